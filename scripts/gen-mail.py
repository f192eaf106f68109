#!/usr/bin/env python3
"""gen-mail.py - deterministic test mail written straight into a Dovecot Maildir++ tree.

Stdlib only. The same --seed gives byte-identical files, UIDs, UIDVALIDITYs and manifest.

  gen-mail.py --maildir DIR/home/alice/Maildir --messages 2000 --seed 42 \\
      --chown 65534:65534 --manifest corpus.json

Layout (Dovecot's maildir default layout, namespace separator '/'): a mailbox "A/B" lives in
".A.B" with its name in modified UTF-7; INBOX is the root itself.
  INBOX                 DIR/{cur,new,tmp}
  Archive, Archive/2023 DIR/.Archive, DIR/.Archive.2023
  Lists, Lists/Développement   DIR/.Lists, DIR/.Lists.D&AOk-veloppement
  日本語                DIR/.&ZeVnLIqe-
Each mailbox gets a dovecot-uidlist (UIDVALIDITY 1700000000+k, UIDs in date order) and, when it
uses keywords, a dovecot-keywords file. Parents of nested mailboxes are real, empty mailboxes
unless --no-parents.

Files use CRLF line endings, so the bytes IMAP serves for BODY.PEEK[] are exactly the file's
bytes; the file name carries S= and W= (both the file size), so RFC822.SIZE is the file size.
INTERNALDATE is the file's mtime (the message's Date:).

Messages: sizes log-uniform in bands (75 % 1-16 KB, 20 % 16-200 KB, 5 % 200-900 KB) plus
--big messages of 1.1-5 MB (default: 3 + N/1000 when N >= 200, else 0); text/plain (7bit, 8bit
or quoted-printable UTF-8), multipart/alternative with HTML, multipart/mixed with base64
attachments (RFC 2231 UTF-8 file names); RFC 2047 encoded subjects and names, and a few raw
UTF-8 (RFC 6532) headers. The first messages cover every kind, so even a small corpus has them.
Flags: ~70 % \\Seen, ~10 % \\Answered, ~6 % \\Flagged, ~2 % \\Draft, ~5 % keywords
($Forwarded, Work); ~3 % are left in new/ (no flags).

The manifest (JSON) lists per mailbox (decoded name): mutf7 name, uidvalidity, uidnext and each
message's uid, sha256 (of the served bytes), size, flags, internal_date (Unix seconds) and
message_id; plus totals (messages, bytes, mailboxes, over_1mb).
"""
import argparse
import base64
import calendar
import email.header
import email.utils
import hashlib
import json
import math
import os
import quopri
import random
import sys
import time

FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Walker", "Clarke"]
UTF8_NAMES = ["José Álvarez", "Zoë Ångström", "Jürgen Müller", "Françoise Dubois",
              "Øyvind Ødegård", "Дмитрий Иванов", "山田 太郎", "Łukasz Żółć",
              "Ελένη Παπαδοπούλου", "Çağla Öztürk", "Nguyễn Văn Anh"]
DOMAINS = ["example.org", "example.com", "example.net", "lists.example.org"]
SUBJ_ASCII = ["Quarterly report", "Re: meeting notes", "Build failure on main", "Invoice {n}",
              "Lunch on Friday?", "Fwd: travel plans", "[ANN] release {n}.{m}",
              "Re: Re: patch review", "Weekly status update", "Question about the API",
              "Your order #{n} has shipped", "Draft proposal v{m}", "Server maintenance window"]
SUBJ_UTF8 = ["Réunion de l'équipe {n}", "Überprüfung der Änderungen", "Отчёт за квартал {n}",
             "会議の議事録 {n}", "Café ☕ demain ?", "Presupuesto año {n}",
             "Zażółć gęślą jaźń #{n}", "Προσφορά για το έργο {n}", "Résumé — version finale",
             "Emoji test 🎉 {n}"]
WORDS = ("the of and to in is that for it as with was on be by this are at from or an have not "
         "which but all were when we there can more if will one about up out so would make like "
         "time has two see way could people than first been who now find long down day did get "
         "server client message mailbox sync folder index cache release build patch review "
         "deploy network disk latency budget meeting schedule customer invoice project deadline "
         "draft proposal quarter team update status report issue backup restore config "
         "protocol header attachment archive thread reply forward").split()
WORDS_UTF8 = ("déjà über naïve façade Größe mañana smörgåsbord crème brûlée Ελλάδα привет "
              "данные 日本語 テスト żółw Ångström São").split()
ATTACH = [("application/pdf", "report-{n}.pdf"), ("image/jpeg", "IMG_{n}.jpg"),
          ("application/zip", "archive-{n}.zip"), ("image/png", "screenshot-{n}.png"),
          ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "Résumé-{n}.docx"), ("application/octet-stream", "données-{n}.bin")]
KEYWORDS = ["$Forwarded", "Work"]          # Maildir letters 'a', 'b' via dovecot-keywords
FLAG_LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen"}
# The first messages show every kind, so that a 10-message corpus already has each of them.
SHOWCASE = ["plain8bit", "rawutf8", "plainqp", "mixed", "alt", "plain7bit", "alt8bit"]


def mutf7_encode(s):
    """RFC 3501 modified UTF-7."""
    out, buf = [], []

    def flush():
        if buf:
            b64 = base64.b64encode("".join(buf).encode("utf-16-be")).decode("ascii")
            out.append("&" + b64.rstrip("=").replace("/", ",") + "-")
            buf.clear()
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def enc_header(s):
    """RFC 2047-encode s when it is not ASCII."""
    if s.isascii():
        return s
    return email.header.Header(s, "utf-8", maxlinelen=76).encode()


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        pool_rng = random.Random(seed ^ 0x5EED)
        # pools of ready lines: bodies are sampled from them, which keeps generation fast
        self.lines_ascii = [self._line(pool_rng, False) for _ in range(2000)]
        self.lines_utf8 = [self._line(pool_rng, True) for _ in range(2000)]

    @staticmethod
    def _line(r, utf8):
        words, n, target = [], 0, r.randint(40, 72)
        while n < target:
            w = r.choice(WORDS_UTF8) if utf8 and r.random() < 0.15 else r.choice(WORDS)
            words.append(w)
            n += len(w) + 1
        s = " ".join(words)
        return s[0].upper() + s[1:] + ("." if r.random() < 0.3 else "")

    def text(self, nbytes, utf8):
        pool = self.lines_utf8 if utf8 else self.lines_ascii
        k = max(1, nbytes // 58)
        lines = self.rng.choices(pool, k=k)
        for i in range(0, k, self.rng.randint(4, 9)):
            lines[i] += "\n"                                   # paragraph breaks
        return "\n".join(lines) + "\n"

    def person(self, utf8_ok=True, raw=False):
        r = self.rng
        if utf8_ok and r.random() < 0.25:
            name, local = r.choice(UTF8_NAMES), "user%d" % r.randint(1, 999)
        else:
            fn, ln = r.choice(FIRST), r.choice(LAST)
            name, local = "%s %s" % (fn, ln), ("%s.%s" % (fn, ln)).lower()
        addr = "%s@%s" % (local, r.choice(DOMAINS))
        if raw or name.isascii():
            return '"%s" <%s>' % (name, addr)
        return "%s <%s>" % (enc_header(name), addr)

    def message(self, i, when, mailbox, target, kind):
        """One message as str with LF line ends (turned into CRLF by the caller)."""
        r = self.rng
        raw = kind == "rawutf8" or (kind is None and r.random() < 0.01)
        utf8 = raw or kind in ("plain8bit", "plainqp", "alt8bit") or (kind is None and r.random() < 0.25)
        subj = r.choice(SUBJ_UTF8 if utf8 else SUBJ_ASCII).format(n=r.randint(1, 9999), m=r.randint(1, 20))
        dom = r.choice(DOMAINS)
        msgid = "<%08x.%06d.%x@%s>" % (self.seed & 0xFFFFFFFF, i, r.getrandbits(40), dom)
        date = email.utils.formatdate(when, localtime=False)
        h = ["Return-Path: <bounce-%d@%s>" % (i, dom),
             "Received: from mx%d.%s (mx.%s [192.0.2.%d])\n\tby mail.test.example (Postfix) with ESMTPS id %X\n"
             "\tfor <alice@test.example>; %s"
             % (r.randint(1, 9), dom, dom, r.randint(1, 254), r.getrandbits(40),
                email.utils.formatdate(when + r.randint(1, 90))),
             "Date: " + date,
             "From: " + self.person(raw=raw),
             "To: Alice Example <alice@test.example>"]
        if r.random() < 0.3:
            h.append("Cc: " + ", ".join(self.person(raw=raw) for _ in range(r.randint(1, 3))))
        h.append("Subject: " + (subj if raw else enc_header(subj)))
        h.append("Message-ID: " + msgid)
        if r.random() < 0.25:
            ref = "<%x.%d@%s>" % (r.getrandbits(48), r.randint(1, 10 ** 6), dom)
            h += ["In-Reply-To: " + ref, "References: " + ref]
        if mailbox.startswith("Lists"):
            h.append("List-Id: Development discussion <dev.lists.example.org>")
        h.append("MIME-Version: 1.0")

        if kind is None:
            kind = "mixed" if target >= 24000 else ("alt" if r.random() < 0.3 else "plain")
        budget = max(300, target - sum(len(x) + 2 for x in h) - 150)
        if kind.startswith("plain") or kind == "rawutf8":
            cte = {"plain7bit": "7bit", "plain8bit": "8bit", "plainqp": "quoted-printable"}.get(kind)
            ct, cte, body = self.text_part(budget, utf8, cte)
            h += ["Content-Type: " + ct, "Content-Transfer-Encoding: " + cte]
            return msgid, "\n".join(h) + "\n\n" + body
        bnd = "=_part_%d_%012x" % (i, r.getrandbits(48))
        parts = []
        if kind in ("alt", "alt8bit"):
            h.append('Content-Type: multipart/alternative; boundary="%s"' % bnd)
            parts.append(self.text_part(budget // 2, utf8, None) + (None,))
            html = self.html(budget // 2, utf8)
            parts.append(('text/html; charset="utf-8"', "quoted-printable" if utf8 else "7bit", html, None))
        else:
            h.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
            tlen = r.randint(800, 4000)
            parts.append(self.text_part(tlen, utf8, None) + (None,))
            rest = max(600, budget - tlen)
            natt = 1 if rest < 150000 else r.randint(1, 3)
            for _ in range(natt):
                raw_len = max(1, (rest // natt) * 57 // 78)
                mt, fname = r.choice(ATTACH)
                data = base64.encodebytes(r.randbytes(raw_len)).decode("ascii")
                parts.append((mt, "base64", data, fname.format(n=r.randint(1, 9999))))
        out = ["\n".join(h), "", "This is a multi-part message in MIME format.", ""]
        for ct, cte, body, fname in parts:
            out.append("--" + bnd)
            if fname is None:
                out.append("Content-Type: " + ct)
            else:
                out.append('Content-Type: %s; name="%s"' % (ct, enc_header(fname)))
            out.append("Content-Transfer-Encoding: " + cte)
            if fname is not None:
                if fname.isascii():
                    out.append('Content-Disposition: attachment; filename="%s"' % fname)
                else:
                    pct = "".join(c if c.isascii() and (c.isalnum() or c in ".-_")
                                  else "".join("%%%02X" % b for b in c.encode()) for c in fname)
                    out.append("Content-Disposition: attachment;\n filename*=UTF-8''" + pct)
            out += ["", body.rstrip("\n")]
        out += ["--" + bnd + "--", ""]
        return msgid, "\n".join(out)

    def text_part(self, nbytes, utf8, cte):
        body = self.text(nbytes, utf8)
        if not utf8:
            return 'text/plain; charset="us-ascii"; format=flowed', "7bit", body
        if cte is None:
            cte = "8bit" if self.rng.random() < 0.5 else "quoted-printable"
        if cte == "quoted-printable":
            return 'text/plain; charset="utf-8"', cte, quopri.encodestring(body.encode()).decode("ascii")
        return 'text/plain; charset="utf-8"', "8bit", body

    def html(self, nbytes, utf8):
        paras = self.text(max(200, nbytes - 200), utf8).split("\n\n")
        html = ('<html><head><meta charset="utf-8"></head><body>\n'
                + "\n".join("<p>%s</p>" % p.replace("\n", "<br>\n") for p in paras)
                + "\n</body></html>\n")
        return quopri.encodestring(html.encode()).decode("ascii") if utf8 else html


def pick_size(r):
    x = r.random()
    lo, hi = (1_000, 16_000) if x < 0.75 else (16_000, 200_000) if x < 0.95 else (200_000, 900_000)
    return int(math.exp(r.uniform(math.log(lo), math.log(hi))))


def maildir_path(root, name):
    if name == "INBOX":
        return root
    return os.path.join(root, "." + mutf7_encode(name).replace("/", "."))


def parse_mailboxes(spec):
    out = []
    for item in spec.split(","):
        item = item.strip()
        if item:
            name, sep, w = item.rpartition("=")
            out.append((name, float(w)) if sep else (w, 1.0))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maildir", required=True, help="Maildir root (mail_location = maildir:...)")
    ap.add_argument("--messages", type=int, default=200, help="number of messages (default 200)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--big", type=int, default=None,
                    help="messages over 1 MB (1.1-5 MB); default 3 + N/1000 when N >= 200, else 0")
    ap.add_argument("--mailboxes", default="INBOX=40,Archive/2023=25,Lists/Développement=20,日本語=15",
                    help="comma separated NAME=WEIGHT (UTF-8 names, '/' separator)")
    ap.add_argument("--no-parents", action="store_true", help="do not create parents of nested mailboxes")
    ap.add_argument("--start", default="2021-01-01", help="date of the oldest message (UTC)")
    ap.add_argument("--days", type=int, default=1000, help="span of the dates")
    ap.add_argument("--chown", help="UID:GID to own the written tree (the mail user, e.g. 65534:65534)")
    ap.add_argument("--manifest", help="write the JSON manifest here")
    ap.add_argument("--force", action="store_true", help="write into a Maildir that already has mail")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()

    if a.messages < 0:
        sys.exit("--messages must be >= 0")
    big = a.big if a.big is not None else (3 + a.messages // 1000 if a.messages >= 200 else 0)
    if not 0 <= big <= a.messages:
        sys.exit("--big must be between 0 and --messages")
    boxes = parse_mailboxes(a.mailboxes)
    if not boxes or any(w < 0 for _, w in boxes) or sum(w for _, w in boxes) <= 0:
        sys.exit("--mailboxes needs at least one positive weight")
    chown = None
    if a.chown:
        try:
            chown = tuple(int(x) for x in a.chown.split(":"))
            assert len(chown) == 2
        except (ValueError, AssertionError):
            sys.exit("--chown wants UID:GID")

    root = os.path.abspath(a.maildir)
    if not a.force and os.path.isdir(root):
        used = [e for e in os.listdir(root) if e.startswith(".") or e.startswith("dovecot")]
        for sub in ("cur", "new"):
            if os.path.isdir(os.path.join(root, sub)) and os.listdir(os.path.join(root, sub)):
                used.append(sub)
        if used:
            sys.exit("refusing to write into %s: it already holds mail (use --force)" % root)
    t0 = time.monotonic()

    names = [n for n, _ in boxes]
    allboxes = list(names)
    if "INBOX" not in allboxes:
        allboxes.insert(0, "INBOX")
    if not a.no_parents:
        for n in names:
            parts = n.split("/")
            for k in range(1, len(parts)):
                p = "/".join(parts[:k])
                if p not in allboxes:
                    allboxes.append(p)
    for n in allboxes:
        d = maildir_path(root, n)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if n != "INBOX":
            open(os.path.join(d, "maildirfolder"), "ab").close()

    g = Generator(a.seed)
    r = g.rng
    total_w = sum(w for _, w in boxes)
    counts = [int(a.messages * w / total_w) for _, w in boxes]
    counts[0] += a.messages - sum(counts)
    labels = [n for (n, _), c in zip(boxes, counts) for _ in range(c)]
    r.shuffle(labels)
    start = calendar.timegm(time.strptime(a.start, "%Y-%m-%d"))
    times = sorted(int(start + r.random() * a.days * 86400) for _ in range(a.messages))
    big_set = set(r.sample(range(a.messages), big))

    per_box = {n: [] for n in allboxes}
    keywords_used = {n: False for n in allboxes}
    for i in range(a.messages):
        mbox, when = labels[i], times[i]
        kind = SHOWCASE[i] if i < len(SHOWCASE) else None
        if i in big_set:
            target, kind = int(math.exp(r.uniform(math.log(1_100_000), math.log(5_000_000)))), "mixed"
        else:
            target = pick_size(r)
            if kind == "mixed":
                target = max(target, 30_000)
        msgid, text = g.message(i, when, mbox, target, kind)
        data = text.encode("utf-8").replace(b"\n", b"\r\n")
        size = len(data)

        x = r.random()
        letters = ""
        new = x < 0.03
        if not new:
            if x < 0.73:
                letters += "S"
            if r.random() < 0.10:
                letters += "R"
            if r.random() < 0.06:
                letters += "F"
            if r.random() < 0.02:
                letters += "D"
            kw = r.random()
            if kw < 0.03:
                letters += "a"
            elif kw < 0.05:
                letters += "ab"
        letters = "".join(sorted(letters))
        flags = [FLAG_LETTERS[c] for c in letters if c in FLAG_LETTERS]
        flags += [KEYWORDS[ord(c) - ord("a")] for c in letters if c.islower()]
        keywords_used[mbox] |= any(c.islower() for c in letters)

        base = "%d.M%dP%dQ%d.imapworker,S=%d,W=%d" % (when, i, a.seed & 0xFFFF, i, size, size)
        d = maildir_path(root, mbox)
        path = os.path.join(d, "new", base) if new else os.path.join(d, "cur", base + ":2," + letters)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (when, when))
        per_box[mbox].append({"base": base, "sha256": hashlib.sha256(data).hexdigest(), "size": size,
                              "flags": flags, "internal_date": when, "message_id": msgid})

    manifest_boxes = {}
    for k, n in enumerate(allboxes):
        d = maildir_path(root, n)
        msgs = per_box[n]                     # already in date order: UIDs follow dates
        uidvalidity = 1700000000 + k
        lines = ["3 V%d N%d" % (uidvalidity, len(msgs) + 1)]
        lines += ["%d :%s" % (uid, m["base"]) for uid, m in enumerate(msgs, 1)]
        with open(os.path.join(d, "dovecot-uidlist"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if keywords_used[n]:
            with open(os.path.join(d, "dovecot-keywords"), "w") as f:
                f.write("".join("%d %s\n" % (j, kw) for j, kw in enumerate(KEYWORDS)))
        manifest_boxes[n] = {
            "mutf7": mutf7_encode(n), "uidvalidity": uidvalidity, "uidnext": len(msgs) + 1,
            "messages": [dict(uid=uid, **{key: m[key] for key in
                                          ("sha256", "size", "flags", "internal_date", "message_id")})
                         for uid, m in enumerate(msgs, 1)],
        }

    if chown:
        for dp, _, fns in os.walk(root):
            os.chown(dp, *chown)
            for fn in fns:
                os.chown(os.path.join(dp, fn), *chown)

    all_msgs = [m for n in allboxes for m in per_box[n]]
    totals = {"messages": len(all_msgs), "bytes": sum(m["size"] for m in all_msgs),
              "mailboxes": len(allboxes), "over_1mb": sum(m["size"] > 1_000_000 for m in all_msgs)}
    if a.manifest:
        with open(a.manifest + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"version": 1, "seed": a.seed, "separator": "/", "totals": totals,
                       "mailboxes": manifest_boxes}, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")
        os.replace(a.manifest + ".tmp", a.manifest)
    if not a.quiet:
        for n in allboxes:
            print("%-22s %-28s %6d messages %11d bytes" % (n, mutf7_encode(n), len(per_box[n]),
                                                         sum(m["size"] for m in per_box[n])))
        print("total %d messages, %d bytes (%.1f MB), %d over 1 MB, in %.2f s" % (
            totals["messages"], totals["bytes"], totals["bytes"] / 1e6, totals["over_1mb"],
            time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
