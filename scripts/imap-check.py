#!/usr/bin/env python3
"""imap-check.py - check a test IMAP server with a stdlib client (imaplib + ssl).

  imap-check.py [connection options] caps [--require CAP ...] [--require-defaults]
      log in, print CAPABILITY (one per line, after "capabilities:"), exit 1 if one is missing
  imap-check.py [connection options] verify --manifest FILE
      fetch every message of every mailbox (UID FETCH BODY.PEEK[] FLAGS INTERNALDATE
      RFC822.SIZE) and compare SHA-256, size, flags and internal date with a gen-mail.py
      manifest; exit 1 on any difference (the first ones are printed)

Connection options:
  --mode tls|starttls|plain   implicit TLS, STARTTLS on the plain port, or no TLS at all
  --host 127.0.0.1 --port N   the server
  --cafile FILE               trust this CA (omit it to use the system store: a test CA fails)
  --user U                    the password comes from $IMAP_PASSWORD (not on the command line)
  --xoauth2                   log in with AUTHENTICATE XOAUTH2, the token from $IMAP_OAUTH_TOKEN
  --tunnel "CMD ARGS"         instead: run CMD and talk IMAP over its stdin/stdout (PREAUTH)
The first line printed is the server greeting ("greeting: * PREAUTH ..." over a tunnel).
"""
import argparse
import datetime
import hashlib
import imaplib
import json
import os
import re
import shlex
import ssl
import sys
import base64

REQUIRED = ["IMAP4rev1", "CONDSTORE", "QRESYNC", "COMPRESS=DEFLATE", "LIST-EXTENDED", "LIST-STATUS",
            "LITERAL+", "MULTIAPPEND", "SASL-IR", "UNSELECT", "IDLE", "ENABLE", "UIDPLUS"]
imaplib._MAXLINE = 10_000_000   # long FETCH lines of big corpora


def mutf7_decode(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "&":
            j = s.index("-", i)
            if j == i + 1:
                out.append("&")
            else:
                b64 = s[i + 1:j].replace(",", "/")
                out.append(base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-16-be"))
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def connect(a):
    if a.tunnel:
        m = imaplib.IMAP4_stream(a.tunnel)
        return m
    ctx = ssl.create_default_context(cafile=a.cafile) if a.cafile else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if a.mode == "tls":
        m = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx, timeout=60)
    else:
        m = imaplib.IMAP4(a.host, a.port, timeout=60)
        if a.mode == "starttls":
            m.starttls(ssl_context=ctx)
    if a.xoauth2:
        token = os.environ.get("IMAP_OAUTH_TOKEN", "")
        # A challenge after the message is an error report: answer it empty, as XOAUTH2 wants.
        answers = iter([("user=%s\x01auth=Bearer %s\x01\x01" % (a.user, token)).encode()])
        m.authenticate("XOAUTH2", lambda _challenge: next(answers, b""))
    else:
        m.login(a.user, os.environ.get("IMAP_PASSWORD", ""))
    return m


def capabilities(m):
    typ, data = m.capability()
    if typ != "OK":
        raise SystemExit("CAPABILITY failed: %r" % data)
    return data[0].decode().split()


def list_mailboxes(m):
    typ, data = m.list('""', "*")
    if typ != "OK":
        raise SystemExit("LIST failed: %r" % data)
    names = {}
    for item in data:
        if isinstance(item, tuple):          # name sent as a literal
            line = item[0].decode() + '"' + item[1].decode() + '"'
        else:
            line = item.decode()
        mt = re.match(r'\((?P<attrs>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.*)$', line)
        if not mt:
            raise SystemExit("cannot parse LIST line %r" % line)
        name = mt.group("name")
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        names[mutf7_decode(name)] = (name, mt.group("attrs"))
    return names


FETCH_ITEM = re.compile(rb"(UID|RFC822\.SIZE) (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"")


def parse_attrs(blob, into):
    for mt in FETCH_ITEM.finditer(blob):
        if mt.group(1):
            into[mt.group(1).decode()] = int(mt.group(2))
        elif mt.group(3) is not None:
            into["FLAGS"] = sorted(f for f in mt.group(3).decode().split() if f != "\\Recent")
        else:
            into["INTERNALDATE"] = int(datetime.datetime.strptime(
                mt.group(4).decode().strip(), "%d-%b-%Y %H:%M:%S %z").timestamp())


def fetch_mailbox(m, mutf7, expected_uids):
    typ, data = m.select('"%s"' % mutf7, readonly=True)
    if typ != "OK":
        return None, "EXAMINE %s failed: %r" % (mutf7, data)
    got = {}
    batch = []
    for uid in sorted(expected_uids) + [None]:
        if uid is not None:
            batch.append(uid)
        if batch and (uid is None or len(batch) >= 25):
            typ, data = m.uid("FETCH", ",".join(map(str, batch)),
                              "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
            if typ != "OK":
                return None, "UID FETCH failed: %r" % data
            cur = None
            for item in data:
                if isinstance(item, tuple):
                    cur = {}
                    parse_attrs(item[0], cur)
                    cur["sha256"] = hashlib.sha256(item[1]).hexdigest()
                    cur["bytes"] = len(item[1])
                    if "UID" in cur:
                        got[cur["UID"]] = cur
                elif cur is not None and item not in (b")", None):
                    parse_attrs(item, cur)          # attributes sent after the literal
                    if "UID" in cur:
                        got[cur["UID"]] = cur
            batch = []
    # messages the manifest does not know about
    typ, data = m.uid("SEARCH", None, "ALL")
    all_uids = set(int(x) for x in data[0].split()) if typ == "OK" and data[0] else set()
    return got, sorted(all_uids - set(expected_uids))


def verify(m, manifest):
    problems = []
    served = list_mailboxes(m)
    checked = 0
    for name, box in sorted(manifest["mailboxes"].items()):
        if name not in served:
            problems.append("mailbox %r (%s) is not listed" % (name, box["mutf7"]))
            continue
        if served[name][0] != box["mutf7"]:
            problems.append("mailbox %r is listed as %r, manifest says %r" % (name, served[name][0], box["mutf7"]))
        expected = {msg["uid"]: msg for msg in box["messages"]}
        got, extra = fetch_mailbox(m, box["mutf7"], list(expected))
        if got is None:
            problems.append(extra)
            continue
        if extra:
            problems.append("%s: unexpected UIDs %s" % (name, extra[:10]))
        for uid, want in sorted(expected.items()):
            have = got.get(uid)
            if have is None:
                problems.append("%s UID %d: not served" % (name, uid))
                continue
            checked += 1
            for key, hkey in (("sha256", "sha256"), ("size", "bytes"), ("size", "RFC822.SIZE"),
                              ("internal_date", "INTERNALDATE")):
                if have.get(hkey) != want[key]:
                    problems.append("%s UID %d: %s is %r, manifest says %r" % (name, uid, hkey, have.get(hkey), want[key]))
            if have.get("FLAGS") != sorted(want["flags"]):
                problems.append("%s UID %d: FLAGS %r, manifest says %r" % (name, uid, have.get("FLAGS"), want["flags"]))
    return checked, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["tls", "starttls", "plain"], default="tls")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=993)
    ap.add_argument("--cafile")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--xoauth2", action="store_true", help="log in with XOAUTH2 ($IMAP_OAUTH_TOKEN)")
    ap.add_argument("--tunnel", help="command line of a PREAUTH tunnel")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("caps")
    c.add_argument("--require", action="append", default=[])
    c.add_argument("--require-defaults", action="store_true", help="require %s" % " ".join(REQUIRED))
    v = sub.add_parser("verify")
    v.add_argument("--manifest", required=True)
    a = ap.parse_args()
    if a.tunnel:
        shlex.split(a.tunnel)   # reject malformed quoting early

    try:
        m = connect(a)
    except (ssl.SSLError, OSError, imaplib.IMAP4.error) as e:
        print("connect failed: %s: %s" % (type(e).__name__, e))
        return 2
    print("greeting: %s" % m.welcome.decode(errors="replace"))
    try:
        if a.cmd == "caps":
            caps = capabilities(m)
            print("capabilities: " + " ".join(caps))
            want = a.require + (REQUIRED if a.require_defaults else [])
            missing = [x for x in want if x.upper() not in (c.upper() for c in caps)]
            if missing:
                print("missing: " + " ".join(missing))
                return 1
            return 0
        with open(a.manifest, encoding="utf-8") as f:
            manifest = json.load(f)
        checked, problems = verify(m, manifest)
        print(json.dumps({"checked": checked, "expected": manifest["totals"]["messages"],
                          "problems": len(problems)}))
        for p in problems[:20]:
            print("problem: " + p)
        return 0 if not problems and checked == manifest["totals"]["messages"] else 1
    finally:
        try:
            m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


if __name__ == "__main__":
    sys.exit(main())
