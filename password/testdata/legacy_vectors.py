#!/usr/bin/python3
"""Print password hashes made by the Python libraries that wrote them, as
JSON lines {"format", "password", "hash", "lib"}, for the tests of vigil's
legacy-hash verifiers (password/legacy_vectors_test.go).

Run it with Debian's Python and its packages python3-werkzeug,
python3-bcrypt, python3-passlib (and python3-argon2 for the argon2 lines):

    /usr/bin/python3 password/testdata/legacy_vectors.py > password/testdata/legacy_vectors.jsonl

Arguments, if any, name the groups to print (werkzeug, bcrypt, passlib,
argon2, salted-sha256); the committed file also has the werkzeug group of
a newer Werkzeug (3.1, with scrypt and 1,000,000 iterations), from
another Python that has it: python3 legacy_vectors.py werkzeug >> ….

Every hash is checked with the library's own verifier before it is
printed. A format the installed library cannot write (scrypt before
Werkzeug 2.3, an empty Werkzeug salt before 3.0) is left out, and said on
stderr. Exit status 3: a required module is missing (the message names it).

The costs are low, so the tests stay fast, except one hash per format at
the library's default or a common one. "format" is what vigil's
password.Identify must answer.
"""

import hashlib
import importlib
import json
import os
import sys

PASSWORDS = [
    "correct horse battery staple",
    "",
    "pässwörd mit Ümläuten",  # non-ASCII, already NFKC
    "パスワード🔑 ключ",  # CJK, an emoji, Cyrillic
    "cafe\u0301 noir",  # a combining accent: NFKC composes it
    "\ufb01nancial report",  # the "fi" ligature: NFKC spells it out
]
FEW = PASSWORDS[:1] + PASSWORDS[2:5]
LONG = "x" + "ü" * 50  # 101 bytes: bcrypt reads 72 of them


def need(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        print(f"legacy_vectors.py: missing module {name}: {e}", file=sys.stderr)
        sys.exit(3)


def optional(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        print(f"legacy_vectors.py: no module {name}: its formats left out", file=sys.stderr)
        return None


def version(dist):
    from importlib import metadata

    try:
        return f"{dist} {metadata.version(dist)}"
    except metadata.PackageNotFoundError:
        return dist


def emit(fmt, password, hash_, lib, ok):
    if not ok:
        sys.exit(f"legacy_vectors.py: {lib} does not verify its own {fmt} hash {hash_!r}")
    print(json.dumps({"format": fmt, "password": password, "hash": hash_, "lib": lib}, ensure_ascii=False))


def werkzeug_vectors():
    security = need("werkzeug.security")
    lib = version("werkzeug")
    check = security.check_password_hash
    for pw in PASSWORDS:
        h = security.generate_password_hash(pw, "pbkdf2:sha256:1000")
        emit("werkzeug-pbkdf2-sha256", pw, h, lib, check(h, pw))
    for algo in ("sha1", "sha512"):
        for pw in FEW:
            h = security.generate_password_hash(pw, f"pbkdf2:{algo}:1000", salt_length=8)
            emit(f"werkzeug-pbkdf2-{algo}", pw, h, lib, check(h, pw))
    # The release's default count, written out.
    pw = PASSWORDS[0]
    h = security.generate_password_hash(pw, "pbkdf2:sha256")
    emit("werkzeug-pbkdf2-sha256", pw, h, lib, check(h, pw))
    # No count in the string: Werkzeug reads it with its own default.
    salt = security.gen_salt(16)
    for method in ("pbkdf2:sha256", "pbkdf2"):
        try:
            key, _ = security._hash_internal(method, salt, pw)
        except (ValueError, TypeError) as e:
            print(f"legacy_vectors.py: {lib} cannot hash {method}: {e}", file=sys.stderr)
            continue
        h = f"{method}${salt}${key}"
        emit("werkzeug-pbkdf2-sha256", pw, h, lib, check(h, pw))
    # An empty salt, which Werkzeug reads from 3.0 on.
    for method, fmt in (("pbkdf2:sha256:1000", "werkzeug-pbkdf2-sha256"), ("scrypt:1024:8:1", "werkzeug-scrypt")):
        try:
            key, actual = security._hash_internal(method, "", pw)
        except (ValueError, TypeError) as e:
            print(f"legacy_vectors.py: {lib} cannot hash {method} with an empty salt: {e}", file=sys.stderr)
            continue
        h = f"{actual}$${key}"
        emit(fmt, pw, h, lib, check(h, pw))
    # scrypt, from 2.3 on (before, the name is taken for an HMAC digest).
    try:
        security._hash_internal("scrypt:1024:8:1", "salt", "pw")
    except (ValueError, TypeError) as e:
        print(f"legacy_vectors.py: {lib} has no scrypt: {e}", file=sys.stderr)
        return
    for pw in PASSWORDS:
        h = security.generate_password_hash(pw, "scrypt:1024:8:1")
        emit("werkzeug-scrypt", pw, h, lib, check(h, pw))
    h = security.generate_password_hash(PASSWORDS[0], "scrypt")  # 32768:8:1
    emit("werkzeug-scrypt", PASSWORDS[0], h, lib, check(h, PASSWORDS[0]))


def bcrypt_vectors():
    bcrypt = need("bcrypt")
    lib = version("bcrypt")
    for prefix in ("2a", "2b", "2y"):
        for pw in PASSWORDS + [LONG]:
            salt = bcrypt.gensalt(4, b"2b").replace(b"$2b$", f"${prefix}$".encode())
            h = bcrypt.hashpw(pw.encode(), salt).decode()
            emit("bcrypt", pw, h, lib, bcrypt.checkpw(pw.encode(), h.encode()))
    pw = PASSWORDS[0]
    h = bcrypt.hashpw(pw.encode(), bcrypt.gensalt(10)).decode()
    emit("bcrypt", pw, h, lib, bcrypt.checkpw(pw.encode(), h.encode()))


def passlib_vectors():
    need("passlib")
    ph = need("passlib.hash")
    lib = version("passlib")
    for handler, fmt, default in (
        (ph.pbkdf2_sha256, "passlib-pbkdf2-sha256", True),
        (ph.pbkdf2_sha512, "passlib-pbkdf2-sha512", True),
        (ph.pbkdf2_sha1, "passlib-pbkdf2-sha1", False),
        (ph.django_pbkdf2_sha256, "django-pbkdf2-sha256", False),
        (ph.django_pbkdf2_sha1, "django-pbkdf2-sha1", False),
    ):
        cheap = handler.using(rounds=1000)
        for pw in PASSWORDS:
            h = cheap.hash(pw)
            emit(fmt, pw, h, lib, handler.verify(pw, h))
        if fmt.startswith("passlib-"):  # passlib allows an empty salt; Django does not
            h = handler.using(rounds=1000, salt=b"").hash(PASSWORDS[0])
            emit(fmt, PASSWORDS[0], h, lib, handler.verify(PASSWORDS[0], h))
        if default:  # passlib's defaults: 29,000 rounds (sha256), 25,000 (sha512)
            h = handler.hash(PASSWORDS[0])
            emit(fmt, PASSWORDS[0], h, lib, handler.verify(PASSWORDS[0], h))
    # Django 5.2's count.
    h = ph.django_pbkdf2_sha256.using(rounds=1_000_000).hash(PASSWORDS[2])
    emit("django-pbkdf2-sha256", PASSWORDS[2], h, lib, ph.django_pbkdf2_sha256.verify(PASSWORDS[2], h))


def argon2_vectors():
    argon2 = optional("argon2")
    if argon2 is None:
        return
    low = argon2.low_level
    lib = version("argon2-cffi")
    for typ, fmt in ((low.Type.I, "argon2i"), (low.Type.ID, "argon2id")):
        for pw in PASSWORDS:
            h = low.hash_secret(pw.encode(), os.urandom(16), time_cost=2, memory_cost=256,
                                parallelism=2, hash_len=32, type=typ).decode()
            emit(fmt, pw, h, lib, low.verify_secret(h.encode(), pw.encode(), typ))


def salted_sha256_vectors():
    # vigil's own format for a system's salted SHA-256: see password/salted.go.
    lib = "hashlib"
    for pw in PASSWORDS:
        salt = os.urandom(16)
        digest = hashlib.sha256(salt + pw.encode()).hexdigest()
        emit("salted-sha256", pw, f"salted-sha256${salt.hex()}${digest}", lib, True)
    pw = PASSWORDS[0]
    emit("salted-sha256", pw, "salted-sha256$$" + hashlib.sha256(pw.encode()).hexdigest(), lib, True)


GROUPS = {
    "werkzeug": werkzeug_vectors,
    "bcrypt": bcrypt_vectors,
    "passlib": passlib_vectors,
    "argon2": argon2_vectors,
    "salted-sha256": salted_sha256_vectors,
}


def main():
    names = sys.argv[1:] or list(GROUPS)
    for name in names:
        if name not in GROUPS:
            sys.exit(f"legacy_vectors.py: no group {name!r} (groups: {', '.join(GROUPS)})")
        GROUPS[name]()


if __name__ == "__main__":
    main()
