import json, time, httpx
from collections import Counter
BASE = "http://127.0.0.1:8125"
FORM = {"lon": "46.75", "lat": "39.75", "category": "suspicious_object", "description": "rate test"}
out = {}
def client(addr):
    return httpx.Client(base_url=BASE, timeout=30, transport=httpx.HTTPTransport(local_address=addr))
time.sleep(61)  # a clean minute
T0 = time.time()
# A. one address paced under the global 2/s: 10 tries, 0.55 s apart
c = client("127.0.0.3"); rows = []
for i in range(10):
    r = c.post("/reports", data=FORM)
    rows.append((round(time.time() - T0, 2), r.status_code, r.headers.get("retry-after"), r.json().get("description", "")[:80] if r.status_code != 201 else "receipt"))
    time.sleep(0.55)
out["A_127.0.0.3_paced_0.55s"] = rows
# XFF from the limited 127.0.0.1? first exhaust 127.0.0.1 (paced), then XFF
c1 = client("127.0.0.1"); r1 = []
for i in range(7):
    r = c1.post("/reports", data=FORM); r1.append(r.status_code); time.sleep(0.55)
out["127.0.0.1_paced_x7"] = r1
r = c1.post("/reports", data=FORM, headers={"X-Forwarded-For": "203.0.113.50"})
out["127.0.0.1_limited_then_XFF_203.0.113.50"] = [r.status_code, r.text[:100]]
time.sleep(0.55)
c4 = client("127.0.0.4")
for i in range(5):
    c4.post("/reports", data=FORM); time.sleep(0.55)
r = c4.post("/reports", data=FORM, headers={"X-Forwarded-For": "203.0.113.51"})
out["127.0.0.4_limited_then_XFF_203.0.113.51"] = [r.status_code, r.text[:100]]
# B. the global limit: rotating addresses 127.0.0.10.., 2 tries/s, until 40 s after T0... count per window
B = []; n = 0
while time.time() - T0 < 58:
    addr = f"127.0.0.{10 + n // 4}"; n += 1
    r = client(addr).post("/reports", data=FORM)
    B.append((round(time.time() - T0, 2), addr, r.status_code, r.headers.get("retry-after"), r.json().get("description", "")[:70] if r.status_code != 201 else ""))
    time.sleep(0.5)
out["B_rotating_addresses"] = {"tries": len(B), "statuses": dict(Counter(x[2] for x in B)),
    "messages": dict(Counter(x[4] for x in B if x[2] == 429)),
    "first_global_minute_429": next((x for x in B if "60 per 1 minute" in x[4]), None)}
# accepted in the minute since T0 (all addresses)
# C. 127.0.0.3 again after its Retry-After
wait = int(rows[-1][2] or 0)
out["C_waited_s"] = wait
time.sleep(max(0, wait) + 0.5)
r = c.post("/reports", data=FORM)
out["C_127.0.0.3_after_retry_after"] = [round(time.time() - T0, 2), r.status_code, r.text[:100]]
json.dump(out, open("/tmp/e25/ratelimit-2.json", "w"), indent=1)
print(json.dumps(out, indent=1))
