import Foundation

/// The path of an executable product built beside the test bundle (`swift build --build-tests`
/// builds them all into the same directory), e.g. `builtExecutable("imapctl")`.
public func builtExecutable(_ name: String) throws -> String {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    // On macOS the runner sits inside the .xctest bundle.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS" || directory.lastPathComponent == "Contents" {
        directory.deleteLastPathComponent()
    }
    let candidates = [directory.appendingPathComponent(name).path, "\(packageRoot)/.build/debug/\(name)"]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TestHarnessError("executable \(name) not built (looked in \(candidates.joined(separator: ", ")))")
    }
    return found
}
