import Credentials
import Foundation
import IMAPClient
import MailJobs
import Testing

/// `local_account`: the keys, their environment overrides and errors, and the connection
/// settings they make for one user.
@Suite struct LocalAccountConfigurationTests {
    @Test func theStoreByDefault() throws {
        let configuration = try WorkerConfiguration.parse(yaml: "")
        #expect(configuration.localAccount.isStore)
        #expect(LocalAccount(configuration: configuration).settings(userID: "u1") == nil)
    }

    @Test func aTunnelWithTheUserShellQuoted() throws {
        let configuration = try WorkerConfiguration.parse(yaml: """
            local_account:
              type: tunnel
              command: "doveadm exec imap -u {user}"
            """)
        let settings = try #require(LocalAccount(configuration: configuration).settings(userID: "o'brien; rm -rf /"))
        #expect(settings.connection == "tunnel")
        #expect(settings.tunnelCommand == #"doveadm exec imap -u 'o'\''brien; rm -rf /'"#)
        #expect(try settings.clientConfiguration().username == "o'brien; rm -rf /")
    }

    @Test func anIMAPSAccountWithADovecotMasterUser() throws {
        let configuration = try WorkerConfiguration.parse(yaml: """
            local_account: {type: imaps, host: mail.example.org, port: 10993, username: "{user}*master"}
            """, environment: ["IMAPWORKER_LOCAL_ACCOUNT_PASSWORD": "master-secret"])
        let settings = try #require(LocalAccount(configuration: configuration).settings(userID: "u7"))
        let client = try settings.clientConfiguration()
        #expect(client.username == "u7*master" && client.password?.value == "master-secret")
        #expect("\(client.server)".contains("mail.example.org") && "\(client.server)".contains("10993"))
        #expect(!"\(configuration.localAccount)".contains("master-secret"), "the password printed")
    }

    @Test(arguments: ["local_account: {type: maildir}", "local_account: {hostname: x}", "local_account: {port: -1}"])
    func badKeysAndValuesAreErrors(yaml: String) {
        #expect(throws: ConfigurationError.self) { try WorkerConfiguration.parse(yaml: yaml) }
    }

    @Test func theEnvironmentOverridesTheType() throws {
        let configuration = try WorkerConfiguration.parse(yaml: "local_account: {type: store}",
                                                          environment: ["IMAPWORKER_LOCAL_ACCOUNT_TYPE": "imap",
                                                                        "IMAPWORKER_LOCAL_ACCOUNT_HOST": "127.0.0.1:1143"])
        #expect(configuration.localAccount.type == "imap")
        #expect(LocalAccount(configuration: configuration).settings(userID: "u1")?.server == "127.0.0.1:1143")
    }
}
