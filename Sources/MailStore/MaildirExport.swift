import Foundation

extension MailStore {
    /// Writes the user's mailbox as a Maildir at `directory` (creating `cur/`, `new/`, `tmp/`): one
    /// file per message in `cur/`, named `<internal date>.<uidvalidity>_<uid>.imapworker:2,<letters>`
    /// with the flags' info letters (see `MessageFlags.maildirLetters`), holding exactly the stored
    /// bytes. Keywords become Dovecot's lower-case letters, listed in `dovecot-keywords` (kept
    /// across exports; at most 26, as in Dovecot; further keywords are left out of the names).
    /// Each file is written in `tmp/` then renamed, so a reader never sees half a message;
    /// exporting again replaces the same files and removes those of messages no longer in the
    /// mailbox (only files this export names, `….imapworker:2,…`). Returns the number written.
    @discardableResult
    public func exportMaildir(userID: String, mailbox name: String, to directory: String) throws(MailStoreError) -> Int {
        guard let mailbox = try mailbox(userID: userID, name: name) else {
            throw .notFound("mailbox \(name) of user \(userID)")
        }
        let fm = FileManager.default
        for sub in ["cur", "new", "tmp"] {
            do {
                try fm.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
            } catch {
                throw .io("cannot create \(directory)/\(sub): \(error.localizedDescription)")
            }
        }
        // Files of earlier exports, by unique name: a message whose flags changed since is replaced.
        var earlier: [Substring: [String]] = [:]
        do {
            for file in try fm.contentsOfDirectory(atPath: "\(directory)/cur") {
                guard let colon = file.firstIndex(of: ":") else { continue }
                earlier[file[..<colon], default: []].append(file)
            }
        } catch {
            throw .io("cannot list \(directory)/cur: \(error.localizedDescription)")
        }
        let keywords = try MaildirKeywords(directory: directory,
                                           adding: try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT flags FROM messages WHERE mailbox_id = ?", arguments: [mailbox.id]) }
                                               .flatMap(MessageFlags.decode))
        try keywords.save()
        var count = 0
        var exported = Set<Substring>()
        do {
            try forEachMessage(mailboxID: mailbox.id) { message in
                let unique = "\(message.internalDate.epoch).\(mailbox.uidValidity)_\(message.uid).imapworker"
                exported.insert(Substring(unique))
                let temporary = "\(directory)/tmp/\(unique)"
                let letters = MessageFlags.maildirLetters(message.flags) + keywords.letters(for: message.flags)
                let final = "\(directory)/cur/\(unique):2,\(letters)"
                try writeFile(temporary, message.raw)
                let date = Date(timeIntervalSince1970: TimeInterval(message.internalDate.epoch))
                try? fm.setAttributes([.modificationDate: date], ofItemAtPath: temporary)
                for old in earlier[Substring(unique)] ?? [] where "\(directory)/cur/\(old)" != final {
                    unlink("\(directory)/cur/\(old)")
                }
                guard rename(temporary, final) == 0 else {
                    let reason = String(cString: strerror(errno))
                    unlink(temporary)
                    throw MailStoreError.io("cannot rename \(temporary) to \(final): \(reason)")
                }
                count += 1
            }
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw .io("Maildir export to \(directory): \(error)")
        }
        // Messages expunged (or moved away) since an earlier export.
        var removed = 0
        for (unique, files) in earlier where unique.hasSuffix(".imapworker") && !exported.contains(unique) {
            for file in files where unlink("\(directory)/cur/\(file)") == 0 { removed += 1 }
        }
        logger.info("maildir exported", metadata: ["user": "\(userID)", "mailbox": "\(name)",
                                                   "messages": "\(count)", "removed": "\(removed)",
                                                   "directory": "\(directory)"])
        return count
    }
}

/// Writes the whole file (outside `MailStore`, where `write` names the store's method).
private func writeFile(_ path: String, _ bytes: [UInt8]) throws(MailStoreError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        offset += written
    }
}
