"""The combined benchmark table (Markdown) from the latest bench/results/*.json, with date and machine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bench.common import RESULTS, fmt, machine, machine_line, markdown_table, read_result

HEADER = ["area", "figure", "measured", "bare Bolt", "target", "", "load avg before→after"]


def _load(doc: dict[str, Any] | None, row: dict[str, Any] | None = None) -> str:
    source = row if row and "load_average_before" in row else doc or {}
    before, after = source.get("load_average_before") or [], source.get("load_average_after") or []
    return f"{fmt(before[0], digits=2) if before else '—'}→{fmt(after[0], digits=2) if after else '—'}"


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def ack_rows(doc: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    servers = doc["servers"]
    bare = servers.get("bare_bolt")
    ratios = doc.get("ratios") or {}
    for name in ("bot_sqlite", "bot_pg"):
        ours = servers.get(name)
        if not ours:
            continue
        db = "SQLite" if name == "bot_sqlite" else "PostgreSQL"
        for i, level in enumerate(ours["levels"]):
            theirs = bare["levels"][i] if bare and i < len(bare["levels"]) else None
            rate = int(level["rate"])
            ok = level["ack"]["p99_ms"] is not None and level["ack"]["p99_ms"] <= 100 if rate == 100 else None
            rows.append([f"ack ({db})", f"{rate}/s for {level['seconds']:.0f} s: p50 / p99 ms, errors, achieved/s",
                         f"{fmt(level['ack']['p50_ms'], digits=1)} / {fmt(level['ack']['p99_ms'], digits=1)}, "
                         f"{level['error_count']}, {fmt(level['achieved_rate'], digits=1)}",
                         (f"{fmt(theirs['ack']['p50_ms'], digits=1)} / {fmt(theirs['ack']['p99_ms'], digits=1)}, "
                          f"{theirs['error_count']}" if theirs else "—"),
                         "p99 ≤ 100 ms at 100/s" if rate == 100 else "", _mark(ok), _load(None, level)])
        for level in ours["levels"]:
            notify = level.get("notify") or {}
            pr, step = notify.get("pr_message") or {}, notify.get("step1") or {}
            rows.append([f"report → PR ({db})", f"at {int(level['rate'])}/s: →PR p50 / p95, →step 1 p50 / p95 ms "
                         f"({notify.get('reports', 0)} reports)",
                         f"{fmt(pr.get('p50_ms'))} / {fmt(pr.get('p95_ms'))}, "
                         f"{fmt(step.get('p50_ms'))} / {fmt(step.get('p95_ms'))}"
                         + (f", {notify['missing_pr']} never posted" if notify.get("missing_pr") else ""),
                         "", "p95 ≤ 300 ms", _mark(pr.get("p95_ms") is not None and pr["p95_ms"] <= 300),
                         _load(None, level)])
        if "max" in ours and bare and "max" in bare:
            ratio = ratios.get(name) or {}
            mine, base = ours["max"], bare["max"]
            rows.append([f"throughput ({db})", "max sustainable deliveries/s: acks ok / work keeps up (ratio)",
                         f"{fmt(mine['max_sustained_acks'])} / {fmt(mine['max_keeps_up'])} "
                         f"({fmt(ratio.get('sustainable_acks'), digits=2)}× / "
                         f"{fmt(ratio.get('sustainable_keeps_up'), digits=2)}×)",
                         fmt(base["max_sustained_acks"]), "≥ 0.7× bare Bolt",
                         _mark((ratio.get("sustainable_acks") or 0) >= 0.7),
                         _load(None, mine["steps"][0]) if mine["steps"] else ""])
    return rows


def burst_rows(doc: dict[str, Any]) -> list[list[Any]]:
    f = doc["results"]
    d = f["deliveries"]
    title = f"炎上 burst ({f['backend']})"
    rows = [[title, f"{f['reports']} reports of one post, {f['users']} users, {f['window_seconds']:.0f} s: incidents",
             f["incidents_created"], "", "1", _mark(f["incidents_created"] == 1), _load(None, f)],
            [title, "PR channel messages (+ in-place updates)",
             f"{f['pr_channel_messages']} (+{f['pr_channel_updates']})", "", "1 (+ updates)",
             _mark(f["pr_channel_messages"] == 1), ""]]
    for channel, c in f["channels"].items():
        rows.append([title, f"chat.postMessage calls/s in {channel}: busiest 10 s (avg); 429s answered",
                     f"{c['calls_per_s_busiest_10s']} ({c['calls_per_s_avg']}); {c['answered_429']}", "",
                     "≤ 1/s sustained", _mark(c["calls_per_s_busiest_10s"] <= 1.0), ""])
    rows.append([title, "429s: answered / posts given up (delivery_failed ratelimited)",
                 f"{f['answered_429']} / {f['ratelimited_given_up']}", "", "handled",
                 _mark(f["ratelimited_given_up"] == 0), ""])
    rows.append([title, "deliveries not answered within 3 s (Slack redelivers) / ack p99 ms",
                 f"{d['not_answered_within_3s']} of {d['sent']} / {fmt(d['ack']['p99_ms'], digits=0)}", "", "0",
                 _mark(d["not_answered_within_3s"] == 0), ""])
    return rows


def core_rows(classify: dict[str, Any] | None, timeline: dict[str, Any] | None,
              memories: list[dict[str, Any]]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if classify:
        r = classify["results"]
        typical = r["typical_50_300"]
        rate = typical["per_second_cpu"]  # per CPU-second: what the code does; wall time shows the machine's load
        rows.append(["core", "classifier, one core: typical 50–300-char reports per CPU-s (per wall-s; corpus "
                             "lines per CPU-s)",
                     f"{fmt(rate)} ({fmt(typical['per_second'])}; {fmt(r['corpus']['per_second_cpu'])})", "",
                     "≥ 5,000/s", _mark(rate >= 5000), _load(classify)])
    if timeline:
        for r in timeline["results"]:
            shape = "one transaction per event (production)" if r["shape"] == "per_event" else "batch, one transaction"
            variant = "" if r["variant"].startswith("as shipped") else f", {r['variant']}"
            rows.append(["core", f"timeline appends/s with hash chain, {r['backend']}: {shape}{variant}",
                         f"{fmt(r['per_second'])} ({fmt(r['per_cpu_second'])} per CPU-s)", "", "≥ 1,000/s",
                         _mark(r["per_second"] >= 1000) if not variant else "what-if", _load(None, r)])
    for memory in memories:
        m = memory["results"]
        rows.append(["core", f"bot RSS over {fmt(m['deliveries'])} deliveries at ≤{m['rate_cap']:.0f}/s "
                             f"({memory['generated_at'][:10]}): warm → end MB (peak); MB per 10k over the last third",
                     f"{fmt(m['rss_after_warmup_mb'], digits=1)} → {fmt(m['rss_end_mb'], digits=1)} "
                     f"({fmt(m['vm_hwm_mb'], digits=1)}); {fmt(m.get('slope_mb_per_10k_last_third'), digits=2)}",
                     "", "bounded", "inconclusive (< 50k)" if m["bounded"] is None else _mark(m["bounded"]),
                     _load(None, m)])
    return rows


def scaling_rows(doc: dict[str, Any]) -> list[list[Any]]:
    return [["scaling", f"weekly summary, {r['backend']}, {fmt(r['size'])} incidents ({r['scenario']}): "
                        f"median s, peak RSS MB",
             f"{fmt(r['median_seconds'], digits=3)} s, {fmt(r['vm_hwm_mb'], digits=0)} MB", "", "< 1 s, < 300 MB",
             _mark(r["within_target"]), _load(None, r)] for r in doc["results"]]


def combined(names: list[str], elapsed: float, quick: bool = False) -> str:
    docs = {name: read_result(name) for name in ("ack", "ack-pg", "burst", "burst-pg", "classify", "timeline",
                                                  "memory", "memory-100k", "scaling")}
    rows: list[list[Any]] = []
    ack = docs["ack"]
    if ack and docs["ack-pg"] and "bot_pg" not in ack["servers"]:
        # PostgreSQL measured on its own (python -m bench.bench_ack --pg URL --no-sqlite --no-bare): compare it
        # with the bare Bolt of the main run.
        from bench.bench_ack import ratios

        pg = docs["ack-pg"]["servers"]["bot_pg"]
        pg["levels"] = [{**level, "seconds": level["seconds"]} for level in pg["levels"]]
        ack = {**ack, "servers": {**ack["servers"], "bot_pg": pg}}
        if "bare_bolt" in ack["servers"]:
            ack["ratios"] = {**(ack.get("ratios") or {}), "bot_pg": ratios(pg, ack["servers"]["bare_bolt"])}
    if ack:
        rows += ack_rows(ack)
    for name in ("burst", "burst-pg"):
        if docs[name]:
            rows += burst_rows(docs[name])
    memories = [doc for doc in (docs["memory"], docs["memory-100k"]) if doc]
    if len(memories) == 2 and memories[0]["results"]["deliveries"] >= 100_000:
        memories = memories[1:]  # the last run was itself the 100k soak (also saved as memory-100k)
    rows += core_rows(docs["classify"], docs["timeline"], memories)
    if docs["scaling"]:
        rows += scaling_rows(docs["scaling"])
    info = machine()
    stamps = sorted({d["generated_at"][:16] for d in docs.values() if d})
    text = (f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
            f"{' (--quick)' if quick else ''} on {machine_line(info)}; "
            f"`python -m bench {' '.join(names)}` took {elapsed / 60:.1f} min; load average now "
            f"{info['load_average']} (results from {stamps[0] if stamps else '—'} to {stamps[-1] if stamps else '—'} "
            f"UTC).\n\n" + markdown_table(HEADER, rows))
    (RESULTS / "latest.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps({"header": HEADER, "rows": rows, "machine": info,
                                                     "suites": names, "elapsed_seconds": round(elapsed, 1)},
                                                    ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return text
