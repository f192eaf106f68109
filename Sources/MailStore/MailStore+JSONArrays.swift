import Foundation

/// Lists bound as one statement argument, read back with `json_each(?)`: one statement whatever
/// the list's length (no placeholder per item, no statement per item).
extension MailStore {
    static func jsonArray(_ strings: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: strings)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonArray<Number: BinaryInteger>(_ numbers: some Sequence<Number>) -> String {
        "[" + numbers.map { String($0) }.joined(separator: ",") + "]"
    }
}
