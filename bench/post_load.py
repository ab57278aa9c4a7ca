#!/usr/bin/env python3
"""Load on the write API: concurrent clients POST gateway logs to /api/v1/ingest while a poller
reads /api/v1/scores, for a fixed time. Standard library only.

    post_load.py --url http://127.0.0.1:8080 --token T --input logs.jsonl \
                 [--clients 8] [--seconds 60] [--lines 200]

The input (JSON lines in time order, e.g. from `tokenboard generate`) is cut into posts of
--lines lines, handed out in order to the clients. Prints one JSON object: posts and lines
acknowledged, throughput, answer-time percentiles, statuses, and the freshness of the score feed:
for each acknowledged post, the time from its answer until /api/v1/scores?window=5m reports a
`window_end` (the newest record served) at or past the post's newest record.
"""

import argparse
import bisect
import http.client
import json
import threading
import time
import urllib.parse


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    rank = q * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args()

    with open(args.input, "rb") as f:
        lines = f.read().splitlines()
    posts = [lines[i:i + args.lines] for i in range(0, len(lines), args.lines)]
    newest = [json.loads(p[-1])["created_at"] for p in posts]
    bodies = [b"\n".join(p) for p in posts]

    url = urllib.parse.urlparse(args.url)
    lock = threading.Lock()
    next_post = [0]
    results = []  # (post index, status, seconds, answered at, accepted)
    stop_at = time.monotonic() + args.seconds
    done = threading.Event()

    def client():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"Authorization": f"Bearer {args.token}",
                   "Content-Type": "application/x-ndjson"}
        while time.monotonic() < stop_at:
            with lock:
                index = next_post[0]
                next_post[0] += 1
            if index >= len(bodies):
                return
            started = time.monotonic()
            try:
                conn.request("POST", "/api/v1/ingest", body=bodies[index], headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                status, payload = 0, b"{}"
            answered = time.monotonic()
            accepted = json.loads(payload).get("accepted", 0) if status == 200 else 0
            with lock:
                results.append((index, status, answered - started, answered, accepted))

    seen = []  # (time, window_end) as the poller saw them, in time order

    def poller():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        etag = None
        while not done.is_set():
            headers = {"If-None-Match": etag} if etag else {}
            try:
                conn.request("GET", "/api/v1/scores?window=5m", headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                continue
            if response.status == 200:
                etag = response.getheader("ETag")
                end = json.loads(payload).get("window_end")
                if end:
                    seen.append((time.monotonic(), end))
            time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    watcher = threading.Thread(target=poller)
    started = time.monotonic()
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    # Give the feed time to catch up with the last posts before measuring their freshness.
    time.sleep(12)
    done.set()
    watcher.join()

    ok = [r for r in results if r[1] == 200]
    statuses = {}
    for r in results:
        statuses[str(r[1])] = statuses.get(str(r[1]), 0) + 1
    # RFC 3339 strings in one format (UTC, 'Z') compare in time order as text.
    seen_times = [s[0] for s in seen]
    freshness = []
    unseen = 0
    running_max = []
    best = ""
    for _, end in seen:
        best = max(best, end)
        running_max.append(best)
    for index, _, _, answered, _ in ok:
        target = newest[index].replace("+00:00", "Z")
        start = bisect.bisect_left(seen_times, answered)
        hit = None
        for i in range(start, len(seen)):
            if running_max[i] >= target:
                hit = seen_times[i]
                break
        if hit is None:
            unseen += 1
        else:
            freshness.append(hit - answered)
    answer_times = [r[2] for r in ok]
    lines_ok = sum(r[4] for r in ok)
    print(json.dumps({
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "posts_sent": len(results),
        "posts_acknowledged": len(ok),
        "lines_acknowledged": lines_ok,
        "lines_per_second": round(lines_ok / elapsed, 1),
        "posts_per_second": round(len(ok) / elapsed, 1),
        "answer_ms_p50": round(1000 * percentile(answer_times, 0.5), 1) if ok else None,
        "answer_ms_p99": round(1000 * percentile(answer_times, 0.99), 1) if ok else None,
        "answer_ms_max": round(1000 * max(answer_times), 1) if ok else None,
        "statuses": statuses,
        "freshness_s_p50": round(percentile(freshness, 0.5), 3) if freshness else None,
        "freshness_s_p99": round(percentile(freshness, 0.99), 3) if freshness else None,
        "freshness_s_max": round(max(freshness), 3) if freshness else None,
        "posts_not_seen_in_feed": unseen,
    }, indent=1))


if __name__ == "__main__":
    main()
