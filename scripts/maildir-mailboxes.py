#!/usr/bin/env python3
# Prints the mailboxes of a Dovecot Maildir++ tree that hold mail, one per line, names decoded
# from modified UTF-7 (as far as gen-corpus.py uses it). usage: maildir-mailboxes.py MAILDIR
import os, sys, base64, re
root = sys.argv[1]
def decode(name):
    def dec(m):
        s = m.group(1)
        if not s: return "&"
        return base64.b64decode(s.replace(",", "/") + "=" * (-len(s) % 4)).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)
def has_mail(p): return any(os.scandir(os.path.join(p, "cur"))) or any(os.scandir(os.path.join(p, "new")))
boxes = ["INBOX"] if has_mail(root) else []
for d in sorted(os.listdir(root)):
    p = os.path.join(root, d)
    if d.startswith(".") and os.path.isdir(os.path.join(p, "cur")) and has_mail(p):
        boxes.append(decode(d[1:].replace(".", "/")))
print("\n".join(boxes))
