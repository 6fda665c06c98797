"""Rate-limit measurement for issue 25 against `contamap serve --workers 1` on :8125."""
import json, time, httpx
from collections import Counter
BASE = "http://127.0.0.1:8125"
FORM = {"lon": "46.75", "lat": "39.75", "category": "suspicious_object", "description": "rate test"}
out = {}

def client(addr="127.0.0.1"):
    return httpx.Client(base_url=BASE, timeout=30, transport=httpx.HTTPTransport(local_address=addr))

# 1. One address, 100 reports as fast as possible.
c = client()
t0 = time.perf_counter(); rows = []
for i in range(100):
    r = c.post("/reports", data=FORM)
    rows.append((round(time.perf_counter() - t0, 3), r.status_code, r.headers.get("retry-after"), r.json().get("description") if r.status_code != 201 else None))
elapsed = time.perf_counter() - t0
codes = Counter(s for _, s, _, _ in rows)
first429 = next(x for x in rows if x[1] == 429)
accepted_before = sum(1 for x in rows[: rows.index(first429)] if x[1] == 201)
out["one_address"] = {"sent": 100, "seconds": round(elapsed, 2), "statuses": dict(codes),
    "accepted_before_first_429": accepted_before, "first_429": first429,
    "retry_after_values": sorted(set(x[2] for x in rows if x[1] == 429), key=lambda v: int(v)),
    "messages": sorted(set(x[3] for x in rows if x[1] == 429)), "timeline_first_8": rows[:8]}
print(json.dumps(out["one_address"], indent=1))

# 2. A second real client address (the loopback 127.0.0.2), straight after.
c2 = client("127.0.0.2")
time.sleep(1.1)  # the global 2/second window
r = c2.post("/reports", data=FORM)
out["second_address_127.0.0.2"] = [r.status_code, r.text[:120]]
# 3. The first address again, with X-Forwarded-For (127.0.0.1 is the default trusted proxy).
time.sleep(1.1)
r = c.post("/reports", data=FORM, headers={"X-Forwarded-For": "203.0.113.7"})
out["127.0.0.1_with_XFF_203.0.113.7"] = [r.status_code, r.text[:120]]
# 4. 127.0.0.2 (not a trusted proxy) sending X-Forwarded-For, 6 times: is the header ignored?
res = []
for i in range(6):
    time.sleep(0.55)
    r = c2.post("/reports", data=FORM, headers={"X-Forwarded-For": f"203.0.113.{100 + i}"})
    res.append((r.status_code, r.headers.get("retry-after"), r.text[:90]))
out["127.0.0.2_with_changing_XFF_x6"] = res
print(json.dumps({k: v for k, v in out.items() if k != "one_address"}, indent=1))
json.dump(out, open("/tmp/e25/ratelimit-1.json", "w"), indent=1)
