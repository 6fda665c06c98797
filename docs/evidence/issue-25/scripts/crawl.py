"""Privacy crawl for issue 25: every public GET without credentials, bodies searched for the
reports' phone numbers, names, descriptions, receipts and photo bytes."""
import base64, json, re, time, sys, math
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlencode
import httpx

BASE = "http://127.0.0.1:8125"
KEY = Path("/tmp/e25-key").read_text().strip()
ed = httpx.Client(base_url=BASE, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
reports = ed.get("/reports", params={"limit": 100}).json()["reports"]
photos = {r["id"]: ed.get(f"/reports/{r['id']}/photo").content for r in reports if r["photo"]}
receipts = ["3PQ4-R0ET-2PVE", "KZ52-7GWZ-JZVQ", "C0C7-VJX0-XP01", "0ZH8-10AE-F5KK", "5CE3-E8BW-M4EY"]

needles: dict[str, bytes] = {}
for r in reports:
    if r["phone"]:
        p = r["phone"]
        needles[f"phone {p}"] = p.encode()
        digits = re.sub(r"\D", "", p)
        needles[f"phone digits {digits}"] = digits.encode()
        needles[f"phone tail {p[-9:]}"] = p[-9:].encode()
    if r["description"]:
        needles[f"description of report {r['id']}"] = r["description"][:24].encode()
for full in ("Rashad Aliyev", "Elnur Mammadov", "Zaur Huseynov", "PRIVTEST"):
    needles[f"name {full}"] = full.encode()
for code in receipts:
    needles[f"receipt {code}"] = code.encode()
    needles[f"receipt nodash {code}"] = code.replace("-", "").encode()
for rid, data in photos.items():
    mid = len(data) // 2
    needles[f"photo {rid} bytes[mid:mid+32]"] = data[mid : mid + 32]
    start = next(i for i in range(len(data) // 3, len(data) - 32) if len(set(data[i:i + 32])) >= 16)
    needles[f"photo {rid} varied 32 bytes at {start}"] = data[start : start + 32]
    b64 = base64.b64encode(data).decode()
    needles[f"photo {rid} base64 chunk"] = b64[400:480].encode()
    needles[f"photo {rid} url"] = f"/reports/{rid}/photo".encode()
for src in ("/tmp/e25-gps.jpg", "/tmp/e25-gps2.jpg"):
    data = Path(src).read_bytes()
    start = next(i for i in range(len(data) // 3, len(data) - 32) if len(set(data[i:i + 32])) >= 16)
    needles[f"upload {src} varied 32 bytes"] = data[start : start + 32]
for rid in (2, 3, 4, 5):  # references of undecided / rejected reports
    needles[f"reference R-{rid:05d}"] = f"R-{rid:05d}".encode()
partials = [b"Rashad", b"Aliyev", b"Elnur", b"Mammadov", b"Zaur", b"Huseynov", b"resident report"]

client = httpx.Client(base_url=BASE, timeout=120, follow_redirects=False)
seen: set[str] = set()
queue: list[str] = []
statuses: Counter = Counter()
hits: list[tuple[str, str]] = []
partial_hits: list[tuple[str, str, str]] = []
sizes = 0

class Links(HTMLParser):
    def __init__(self): super().__init__(); self.links = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v: self.links.append(v)

def add(url: str) -> None:
    url = urljoin(BASE + "/", url)
    parts = urlsplit(url)
    if parts.netloc != urlsplit(BASE).netloc: return
    url = url.split("#")[0]
    if url not in seen:
        seen.add(url); queue.append(url)

def fetch(url: str) -> None:
    global sizes
    r = client.get(url)
    statuses[r.status_code] += 1
    body = r.content
    if urlsplit(url).path == "/search":  # the answer repeats the query: drop that echo
        try:
            doc = r.json(); doc.pop("query", None); body = json.dumps(doc, ensure_ascii=False).encode()
        except Exception:
            pass
    sizes += len(body)
    for what, needle in needles.items():
        if needle in body:
            hits.append((url, what))
    for p in partials:
        if p in body:
            i = body.find(p)
            partial_hits.append((url, p.decode(), body[max(0, i - 60): i + 60].decode("utf-8", "replace")))
    ctype = r.headers.get("content-type", "")
    if r.status_code == 200 and ("json" in ctype) and len(body) < 30_000_000:
        try:
            doc = r.json()
        except Exception:
            doc = None
        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k == "href" and isinstance(v, str) and "{" not in v: add(v)
                    else: walk(v)
            elif isinstance(o, list):
                for v in o: walk(v)
        walk(doc)
    elif r.status_code == 200 and "html" in ctype:
        parser = Links(); parser.feed(r.text)
        for link in parser.links:
            if "{" not in link and not link.startswith(("mailto:", "javascript:", "data:")): add(link)
    return r

# Seeds: OpenAPI GET paths without parameters, and every parametrised one filled in.
api = client.get("/api").json()
collections = [c["id"] for c in client.get("/collections").json()["collections"]]
districts = [f["id"] for f in client.get("/collections/districts/items", params={"limit": 1000}).json()["features"]]
for path, ops in api["paths"].items():
    if "get" in ops and "{" not in path: add(path)
for f in ("html", "json"):
    for p in ("/", "/conformance", "/collections"): add(f"{p}?f={f}")
for p in ("/docs", "/redoc", "/openapi.json", "/map", "/map?lang=az", "/static/i18n/messages.json"):
    add(p)
for static in sorted(Path("/work/main/app/static").rglob("*")):
    if static.is_file(): add("/static/" + static.relative_to("/work/main/app/static").as_posix())
FORMATS = ["json", "html", "csv", "geojsonseq", "gpkg", "fgb"]
for c in collections:
    for p in ("", "/queryables", "/schema", "/tiles", "/tiles/WebMercatorQuad", "/tiles/WebMercatorQuad/tilejson.json"):
        add(f"/collections/{c}{p}")
    add(f"/collections/{c}?f=html"); add(f"/collections/{c}/queryables?f=html")
    for f in FORMATS:
        add(f"/collections/{c}/items?limit=10000&f={f}")
    add(f"/collections/{c}/items?f=html")  # default page, its next links followed
    add(f"/collections/{c}/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/3857")
    ids = [feat["id"] for feat in client.get(f"/collections/{c}/items", params={"limit": 10000}).json()["features"]]
    for fid in ids:
        add(f"/collections/{c}/items/{fid}")
        add(f"/collections/{c}/items/{fid}?f=html")
        add(f"/collections/{c}/items/{fid}/history")
# Statistics in every format
for p in ("/stats/summary", "/stats/line-of-contact", "/stats/timeseries", "/stats/productivity"):
    add(p)
for f in ("json", "csv", "geojson"):
    add(f"/stats/districts?f={f}"); add(f"/stats/priorities?f={f}")
for f in ("json", "csv"):
    add(f"/stats/forecast?f={f}")
    for g in ("kind", "organisation", "method", "district", "year", "month"): add(f"/stats/release?group_by={g}&f={f}")
    for g in ("category", "organisation", "district", "year", "month", "action"): add(f"/stats/items?group_by={g}&f={f}")
for d in districts:
    add(f"/stats/districts/{d}"); add(f"/stats/districts/{d}?f=html"); add(f"/stats/districts/{d}/package")
for month in ("2026-12", "2026-11", "2026-10", "2025-12"):
    for f in ("html", "json", "csv"): add(f"/reports/monthly/{month}?f={f}")
# Around each report: near, search, tiles
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
for r in reports:
    add(f"/stats/near?lon={r['lon']}&lat={r['lat']}")
    for z in range(0, 17):
        x, y = tile(r["lon"], r["lat"], z)
        add(f"/tiles/WebMercatorQuad/{z}/{y}/{x}")
        for c in collections: add(f"/collections/{c}/tiles/WebMercatorQuad/{z}/{y}/{x}")
for q in ("Rashad", "Aliyev", "Elnur", "Zaur Huseynov", "PRIVTEST", "rusty shell", "+994", "777 12 34", "5CE3-E8BW-M4EY", "R-00005", "R-00001", "shell", "spring"):
    add("/search?" + urlencode({"q": q}))
# The editors' and residents' report endpoints, without credentials
for r in reports:
    add(f"/reports/{r['id']}"); add(f"/reports/{r['id']}/photo")
add("/reports"); add("/reports?status=received"); add("/auth/me")
for code in receipts: add(f"/reports/status/{code}")

started = time.time()
limit = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
i = 0
by_status_url = {}
while i < len(queue) and i < limit:
    url = queue[i]; i += 1
    r = fetch(url)
    if urlsplit(url).path.startswith(("/reports", "/auth")):
        by_status_url[url] = r.status_code
elapsed = time.time() - started
summary = {
    "urls_crawled": i, "urls_queued": len(queue), "seconds": round(elapsed, 1), "bytes": sizes,
    "statuses": dict(statuses), "needles": len(needles), "leaks": hits,
    "partial_word_hits": len(partial_hits), "report_and_auth_endpoints": by_status_url,
}
Path("/tmp/e25/crawl-result.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
Path("/tmp/e25/crawl-partials.json").write_text(json.dumps(partial_hits, indent=1, ensure_ascii=False))
Path("/tmp/e25/crawl-urls.txt").write_text("\n".join(queue[:i]))
Path("/tmp/e25/crawl-needles.txt").write_text("\n".join(needles))
print(json.dumps({k: v for k, v in summary.items()}, indent=1, ensure_ascii=False)[:6000])
