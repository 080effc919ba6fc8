#!/usr/bin/env python3
"""capsim schema: the JSON Schema made from sim/scenario/schema_table.c.

Every shipped scenario (scenarios/*.yaml, overlays included), the test scenarios, the
built-in default as `capsim check` prints it, validate with python3-jsonschema; bad
scenarios (wrong type, unknown key, out of range, bad enum, a required key missing, in
a full file and in an overlay) do not, and capsim check refuses each of them too.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
    import yaml
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

CAPSIM = os.environ["CAPSIM"]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where 38e9 is a string; the YAML language servers the
    schema is for read YAML 1.2, where it is a number, as capsim does."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


r = subprocess.run([CAPSIM, "schema"], capture_output=True, text=True)
check(r.returncode == 0 and not r.stderr, "capsim schema: exit 0, nothing on stderr")
schema = json.loads(r.stdout)
jsonschema.Draft7Validator.check_schema(schema)
check(schema["$schema"].startswith("http://json-schema.org/draft-07"), "draft-07 schema, itself valid")
validator = jsonschema.Draft7Validator(schema)


def errors(doc):
    return sorted(e.message for e in validator.iter_errors(doc))


good = sorted("scenarios/" + f for f in os.listdir("scenarios") if f.endswith(".yaml"))
good += sorted("tests/scenarios/" + f for f in os.listdir("tests/scenarios") if f.endswith(".yaml"))
good += ["tests/schema/every-key.yaml"]
for path in good:
    errs = errors(load_yaml(open(path).read()))
    check(not errs, f"{path} validates" + (f": {errs[:3]}" if errs else ""))

r = subprocess.run([CAPSIM, "check"], capture_output=True, text=True)
check(r.returncode == 0, "capsim check (the built-in default) exit 0")
errs = errors(load_yaml(r.stdout))
check(not errs, "the built-in default as capsim check prints it validates" + (f": {errs[:3]}" if errs else ""))
with open("scenarios/multicloud-2026.yaml") as f:
    base = f.read()

# (what, text edit of the default, expected fragment of a jsonschema message)
BAD = [
    ("wrong type: kw a string", lambda t: t.replace("kw: 1.6 ", "kw: lots "), "lots"),
    ("unknown key in scenario:", lambda t: t.replace("  months: 60", "  monthz: 60\n  months: 60"),
     "monthz"),
    ("unknown top-level key", lambda t: t + "\nsimulations: {paths: 10}\n", "simulations"),
    ("out of range: fulfilled 1.5", lambda t: t.replace("fulfilled: { dist: beta, mean: 0.9, sd: 0.07 } }",
                                                        "fulfilled: 1.5 }", 1), "1.5"),
    ("out of range: months 0", lambda t: t.replace("  months: 60", "  months: 0"), "0"),
    ("bad enum: billing rented", lambda t: t.replace("billing: reserved", "billing: rented", 1), "rented"),
    ("bad enum: sampling", lambda t: t.replace("sampling: random", "sampling: randomly"), "randomly"),
    ("unknown series in quantiles", lambda t: t.replace("sampling: random", "sampling: random\n  quantiles: [unmet, spnd]"),
     "spnd"),
    ("quantiles a word", lambda t: t.replace("sampling: random", "sampling: random\n  quantiles: some"), "some"),
    ("bad month", lambda t: t.replace("start: 2025-11 ", "start: 2025-13 "), "2025-13"),
    ("unknown distribution key", lambda t: t.replace("median: 2.4, sigma: 0.15", "median: 2.4, sigma: 0.15, mode: 2"),
     "mode"),
    ("missing required key", lambda t: t.replace("    start_h100e: 700000", "    start_h10e: 700000"),
     "start_h100e"),
]
for what, edit, frag in BAD:
    text = edit(base)
    check(text != base, f"bad case '{what}' changes the file")
    errs = errors(load_yaml(text))
    check(bool(errs) and any(frag in e for e in errs), f"schema refuses {what}: {errs[:2]}")
    r = subprocess.run([CAPSIM, "check", "-"], input=text, capture_output=True, text=True)
    check(r.returncode == 2, f"capsim check refuses {what} too (exit {r.returncode})")

# Overlays: partial, nothing required; their keys still checked.
overlay_ok = "extends: multicloud-2026.yaml\nscenario: {name: o}\ndemand:\n  - {name: chatgpt, growth: 2}\n"
check(not errors(load_yaml(overlay_ok)), "a partial overlay validates (no required keys)")
check(errors(load_yaml("scenario: {name: o}\n")) != [], "the same without extends does not (required keys)")
for what, text in [("unknown key", "extends: a.yaml\ndemand:\n  - {name: chatgpt, groth: 2}\n"),
                   ("out of range", "extends: a.yaml\ndemand:\n  - {name: chatgpt, growth: 0}\n"),
                   ("wrong type", "extends: a.yaml\nscenario: {months: many}\n"),
                   ("remove not a list", "extends: a.yaml\nremove: finance\n")]:
    check(errors(load_yaml(text)) != [], f"an overlay with {what} does not validate")
check(errors(load_yaml(base + "\nremove: [finance]\n")) != [], "remove without extends does not validate")
for q in ("totals", "all", "[unmet, spend, cash]"):
    text = base.replace("sampling: random", f"sampling: random\n  quantiles: {q}")
    check(text != base and not errors(load_yaml(text)), f"quantiles: {q} validates")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("py_schema: all passed")
