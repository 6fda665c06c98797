"""Issue 23 evidence: a data manager's session through the API.

An operator (COMPANY-C) creates a task over contaminated zones of Aghdam (district 2), submits
two land-release records with items found; the authority's admin approves the first (and its
items) and rejects the second (and its items) with a reason. Figures are read before, between
and after, and each move is compared with areas worked out here with pyproj's Geod (WGS 84) on
shapely shapes clipped to the zones as the API serves them.

Run (keys made with the CLI, see README.md):
    BASE=http://127.0.0.1:8123 ADMIN_KEY=... OPERATOR_KEY=... RUN=1 \
        /work/main/.venv/bin/python docs/evidence/issue-23/session.py
RUN is a suffix for the codes (a rerun on the same database needs another one). Writes
session-log.json, figures.json, results.md and screenshots in this folder.
"""

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
from pyproj import Geod
from shapely import box, unary_union
from shapely.geometry import MultiPolygon, Point, mapping, shape

HERE = Path(__file__).resolve().parent
BASE = os.environ.get("BASE", "http://127.0.0.1:8123")
ADMIN = os.environ.get("ADMIN_KEY") or Path("/tmp/e23-admin.key").read_text().strip()
OPERATOR = os.environ.get("OPERATOR_KEY") or Path("/tmp/e23-operator.key").read_text().strip()
RUN = os.environ.get("RUN", "1")
DISTRICT = 2  # Aghdam
ORG = "COMPANY-C"
MONTH = "2026-12"
AS_OF = os.environ.get("AS_OF", "2026-12-07")  # today on the machine: the default as_of
DAY_BEFORE = "2026-12-02"
R1_DATE, R2_DATE = "2026-12-03", "2026-12-04"
TASK_CODE, R1_CODE, R2_CODE = f"E23-T{RUN}", f"E23-R{RUN}a", f"E23-R{RUN}b"

# R1 (to be approved, cleared): across the east edge of zone SCH-0200, about half on land
# outside every zone. R2 (to be rejected, reduced): across the edge of SCH-0394 and SCH-0444.
# The task: two boxes around them, both in Aghdam.
R1 = box(47.076, 40.108, 47.098, 40.118)
R2 = box(47.11, 39.895, 47.13, 39.91)
TASK_POLY = MultiPolygon([box(47.07, 40.10, 47.10, 40.125), box(47.105, 39.89, 47.135, 39.915)])
ZONES = ["SCH-0200", "SCH-0394", "SCH-0444"]
ITEMS_R1 = [("anti_personnel_mine", "destroyed_in_situ", 3), ("uxo", "removed", 2)]
ITEMS_R2 = [("anti_tank_mine", "destroyed_in_situ", 4), ("uxo", "destroyed_in_situ", 1)]

GEOD = Geod(ellps="WGS84")
LOG: list[dict[str, Any]] = []
client = httpx.Client(base_url=BASE, timeout=120)


def km2(geom: Any) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def trim(value: Any, depth: int = 0) -> Any:
    """A short copy of an answer for the log: links and methods dropped, lists cut."""
    if isinstance(value, dict):
        return {
            k: trim(v, depth + 1)
            for k, v in value.items()
            if k not in ("links", "method", "statement", "figure_sources")
        }
    if isinstance(value, list):
        cut = [trim(v, depth + 1) for v in value[:3]]
        return cut + ([f"... {len(value) - 3} more"] if len(value) > 3 else [])
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "..."
    return value


def call(step: str, method: str, url: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = client.request(method, url, headers=headers, **kwargs)
    try:
        body: Any = trim(response.json())
    except ValueError:
        body = response.text[:300]
    LOG.append(
        {
            "step": step,
            "request": f"{method} {url}",
            "headers": {k: v for k, v in headers.items() if k != "Authorization"}
            | ({"Authorization": "Bearer <" + ("admin" if key == ADMIN else "operator") + " key>"} if key else {}),
            "body": trim(kwargs.get("json")) if "json" in kwargs else None,
            "status": response.status_code,
            "etag": response.headers.get("etag"),
            "answer": body,
        }
    )
    print(f"{step}: {method} {url} -> {response.status_code}", file=sys.stderr)
    return response


def get(url: str) -> Any:
    response = client.get(url)
    response.raise_for_status()
    return response.json()


def feature(properties: dict[str, Any], geom: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geom) if geom else None}


def html_figures(html: str) -> dict[str, float]:
    """The contaminated and released km² the district's HTML page prints."""
    out = {}
    for name, label in (("contaminated", "Contaminated"), ("released", "Released")):
        found = re.search(rf"<th>{label}</th><td>([0-9.]+) km", html)
        out[name] = float(found.group(1)) if found else math.nan
    return out


def snapshot(label: str) -> dict[str, Any]:
    d = DISTRICT
    s: dict[str, Any] = {}
    s["district"] = get(f"/stats/districts/{d}")
    s["district_day_before"] = get(f"/stats/districts/{d}?as_of={DAY_BEFORE}")
    html = client.get(f"/stats/districts/{d}?f=html").text
    (HERE / f"district-{label}.html").write_text(html)
    s["district_html"] = html_figures(html)
    s["timeseries"] = get(f"/stats/timeseries?district={d}&from=2020&to=2026")
    s["release_kind"] = get("/stats/release?group_by=kind")
    s["release_kind_district"] = get(f"/stats/release?group_by=kind&district={d}")
    s["release_organisation_month"] = get(
        f"/stats/release?group_by=organisation&from={MONTH}-01&to={MONTH}-31"
    )
    s["release_year_district"] = get(f"/stats/release?group_by=year&district={d}&to={AS_OF}")
    s["items_category"] = get("/stats/items?group_by=category")
    s["items_category_district"] = get(f"/stats/items?group_by=category&district={d}")
    forecast = get("/stats/forecast")
    s["forecast_national"] = forecast["national"]
    s["forecast_district"] = next(x for x in forecast["districts"] if x["district_id"] == d)
    csv = client.get("/stats/forecast?f=csv").text.splitlines()
    s["forecast_csv"] = [csv[0]] + [line for line in csv[1:] if line.startswith(("national", "Aghdam")) or ",Aghdam," in line]
    monthly = get(f"/reports/monthly/{MONTH}?f=json")
    s["monthly_national"] = monthly["national"]
    s["monthly_district"] = next(x for x in monthly["districts"] if x["id"] == d)
    mcsv = client.get(f"/reports/monthly/{MONTH}?f=csv").text.splitlines()
    s["monthly_csv"] = [mcsv[0]] + [
        line for line in mcsv[1:] if line.startswith((f"{MONTH},national", f"{MONTH},Aghdam"))
    ]
    return s


def expected() -> dict[str, float]:
    """The moves the approval of R1 should make, from the zones as the API serves them."""
    minx, miny, maxx, maxy = R1.buffer(0.01).bounds
    zones = get(
        f"/collections/contaminated_zones/items?bbox={minx},{miny},{maxx},{maxy}&limit=1000"
    )["features"]
    contaminated = unary_union(
        [
            shape(z["geometry"])
            for z in zones
            if z["properties"]["status"] in ("active", "in_progress")
            and z["properties"]["recorded_on"] <= R1_DATE
        ]
    )
    released = unary_union(
        [
            shape(z["geometry"])
            for z in zones
            if z["properties"]["status"] in ("cancelled", "reduced", "cleared")
        ]
    )
    district = shape(get(f"/collections/districts/items/{DISTRICT}")["geometry"])
    in_zones = R1.intersection(contaminated).intersection(district)
    newly_released = in_zones.difference(released)
    return {
        "r1_record_km2": km2(R1),
        "r1_in_district_km2": km2(R1.intersection(district)),
        "r1_in_zones_km2": km2(in_zones),
        "r1_newly_released_km2": km2(newly_released),
        "r2_record_km2": km2(R2),
        "district_area_km2": km2(district),
        "zones_touched": sorted(
            z["properties"]["code"] for z in zones if shape(z["geometry"]).intersection(R1).area > 0
        ),
    }


def decide(step: str, path: str, etag: str, key: str, patch: dict[str, Any]) -> httpx.Response:
    return call(
        step,
        "PATCH",
        path,
        key,
        json={"properties": patch},
        headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )


def location(response: httpx.Response) -> str:
    return response.headers["Location"].removeprefix(BASE)


def main() -> None:
    expect = expected()
    before = snapshot("before")

    # The operator's task and two reports, each with its items.
    task = call(
        "operator creates the task",
        "POST",
        "/collections/tasks/items",
        OPERATOR,
        json=feature(
            {
                "code": TASK_CODE,
                "organisation": ORG,
                "zones": ZONES,
                "methods": ["technical_survey", "manual_clearance"],
                "status": "in_progress",
                "planned_start": "2026-11-15",
                "planned_end": "2027-03-31",
                "started_on": "2026-12-01",
                "source": "evidence issue 23",
            },
            TASK_POLY,
        ),
    )
    assert task.status_code == 201, task.text
    reports = {}
    for code, poly, kind, day, items in (
        (R1_CODE, R1, "cleared", R1_DATE, ITEMS_R1),
        (R2_CODE, R2, "reduced", R2_DATE, ITEMS_R2),
    ):
        record = call(
            f"operator submits {code}",
            "POST",
            "/collections/land_release/items",
            OPERATOR,
            json=feature(
                {"code": code, "task": TASK_CODE, "kind": kind, "released_on": day, "source": "evidence issue 23"},
                poly,
            ),
        )
        assert record.status_code == 201, record.text
        found = []
        for number, (category, action, count) in enumerate(items, 1):
            item = call(
                f"operator submits items of {code}",
                "POST",
                "/collections/items_found/items",
                OPERATOR,
                json=feature(
                    {
                        "code": f"{code}-I{number}",
                        "task": TASK_CODE,
                        "found_on": day,
                        "category": category,
                        "action": action,
                        "count": count,
                        "source": "evidence issue 23",
                    },
                    Point(poly.centroid.x, poly.centroid.y + number * 0.001),
                ),
            )
            assert item.status_code == 201, item.text
            found.append(item)
        reports[code] = (record, found)

    r1, r1_items = reports[R1_CODE]
    r2, r2_items = reports[R2_CODE]
    call("anonymous reads the submitted R1 (not public)", "GET", location(r1))
    call("operator reads its own submitted R1", "GET", location(r1), OPERATOR)
    middle = snapshot("submitted")

    # Refusals on the way.
    decide("operator tries to approve its own record", location(r1), r1.headers["ETag"], OPERATOR, {"state": "approved"})
    decide("admin approves with a stale ETag", location(r1), '"0000"', ADMIN, {"state": "approved"})
    decide("admin rejects without a reason", location(r2), r2.headers["ETag"], ADMIN, {"state": "rejected"})

    # The authority's decisions.
    approved = decide("admin approves R1", location(r1), r1.headers["ETag"], ADMIN, {"state": "approved"})
    assert approved.status_code == 200, approved.text
    for item in r1_items:
        ok = decide("admin approves R1's items", location(item), item.headers["ETag"], ADMIN, {"state": "approved"})
        assert ok.status_code == 200, ok.text
    reason = "polygon not supported by the technical survey report; resubmit with the survey sketch"
    rejected = decide("admin rejects R2", location(r2), r2.headers["ETag"], ADMIN, {"state": "rejected", "reason": reason})
    assert rejected.status_code == 200, rejected.text
    for item in r2_items:
        ok = decide("admin rejects R2's items", location(item), item.headers["ETag"], ADMIN, {"state": "rejected", "reason": reason})
        assert ok.status_code == 200, ok.text
    decide("operator edits the approved R1", location(r1), approved.headers["ETag"], OPERATOR, {"kind": "reduced"})
    call("history of R2", "GET", location(r2) + "/history", ADMIN)
    call("history of R1", "GET", location(r1) + "/history", ADMIN)
    after = snapshot("after")

    figures = {"expected": expect, "before": before, "submitted": middle, "after": after}
    (HERE / "figures.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    (HERE / "session-log.json").write_text(json.dumps(LOG, indent=1, ensure_ascii=False))
    (HERE / "results.md").write_text(compare(expect, before, middle, after))
    print((HERE / "results.md").read_text())


def compare(e: dict[str, Any], b: dict[str, Any], m: dict[str, Any], a: dict[str, Any]) -> str:
    # On approval the service cuts the record's polygon to the zones it releases
    # (app/services/operations.py, release()): every released-area figure then counts the
    # clipped part, not the operator's polygon (see README, "Problems seen").
    zones = e["r1_newly_released_km2"]
    record = in_district = e["r1_in_zones_km2"]
    year = AS_OF[:4]

    def year_row(s: dict[str, Any], field: str) -> float:
        return next(y for y in s["district"]["years"] if str(y["year"]) == year)[field]

    def ts(s: dict[str, Any], field: str) -> float:
        return next(y for y in s["timeseries"]["years"] if str(y["year"]) == year)[field]

    def group(s: dict[str, Any], name: str, key: str, field: str = "released_km2") -> float:
        return next((g[field] for g in s[name]["groups"] if str(g["key"]) == key), 0.0)

    def cat(s: dict[str, Any], name: str, key: str) -> float:
        return next((g["items"] for g in s[name]["groups"] if g["key"] == key), 0)

    rows: list[tuple[str, Any, float]] = [
        ("district contaminated_km2 (JSON)", lambda s: s["district"]["contaminated_km2"], -zones),
        ("district released_km2 (JSON)", lambda s: s["district"]["released_km2"], zones),
        ("district released_by_kind.cleared", lambda s: s["district"]["released_by_kind"]["cleared"], zones),
        ("district released_by_kind.reduced (R2 rejected)", lambda s: s["district"]["released_by_kind"]["reduced"], 0.0),
        (f"district years[{year}].released_km2", lambda s: year_row(s, "released_km2"), zones),
        ("district contaminated_km2 as_of day before (2026-12-02)", lambda s: s["district_day_before"]["contaminated_km2"], 0.0),
        ("district HTML page: Contaminated km²", lambda s: s["district_html"]["contaminated"], -zones),
        ("district HTML page: Released km²", lambda s: s["district_html"]["released"], zones),
        (f"chart: /stats/timeseries {year} contaminated_km2", lambda s: ts(s, "contaminated_km2"), -zones),
        (f"chart: /stats/timeseries {year} released_km2", lambda s: ts(s, "released_km2"), zones),
        (f"chart: /stats/release?group_by=year&district=2 [{year}] cleared", lambda s: next((g["by_kind"]["cleared"] for g in s["release_year_district"]["groups"] if str(g["key"]) == year), 0.0), in_district),
        ("/stats/release?group_by=kind total_km2 (national)", lambda s: s["release_kind"]["total_km2"], record),
        ("/stats/release?group_by=kind cleared (national)", lambda s: group(s, "release_kind", "cleared"), record),
        ("/stats/release?group_by=kind reduced (national)", lambda s: group(s, "release_kind", "reduced"), 0.0),
        ("/stats/release?group_by=kind&district=2 total_km2", lambda s: s["release_kind_district"]["total_km2"], in_district),
        (f"/stats/release?group_by=organisation {MONTH} {ORG}", lambda s: group(s, "release_organisation_month", ORG), record),
        ("/stats/items?group_by=category total", lambda s: s["items_category"]["total"], 5),
        ("/stats/items anti_personnel_mine", lambda s: cat(s, "items_category", "anti_personnel_mine"), 3),
        ("/stats/items uxo", lambda s: cat(s, "items_category", "uxo"), 2),
        ("/stats/items anti_tank_mine (R2 rejected)", lambda s: cat(s, "items_category", "anti_tank_mine"), 0),
        ("/stats/items&district=2 total", lambda s: s["items_category_district"]["total"], 5),
        ("forecast national remaining_km2", lambda s: s["forecast_national"]["remaining_km2"], -zones),
        ("forecast national rate_km2_per_year", lambda s: s["forecast_national"]["rate_km2_per_year"], record),
        ("forecast Aghdam remaining_km2", lambda s: s["forecast_district"]["remaining_km2"], -zones),
        ("forecast Aghdam rate_km2_per_year", lambda s: s["forecast_district"]["rate_km2_per_year"], in_district),
        ("forecast Aghdam last quarter released_km2", lambda s: s["forecast_district"]["quarters"][-1]["released_km2"], in_district),
        (f"monthly {MONTH} national released_km2", lambda s: s["monthly_national"]["released_km2"], record),
        (f"monthly {MONTH} national released_by_kind.cleared", lambda s: s["monthly_national"]["released_by_kind"]["cleared"], record),
        (f"monthly {MONTH} national released_by_organisation.{ORG}", lambda s: s["monthly_national"]["released_by_organisation"].get(ORG, 0.0), record),
        (f"monthly {MONTH} national items", lambda s: s["monthly_national"]["items"], 5),
        (f"monthly {MONTH} national tasks_started", lambda s: s["monthly_national"]["tasks_started"], 1),
        (f"monthly {MONTH} national contaminated_km2_start", lambda s: s["monthly_national"]["contaminated_km2_start"], 0.0),
        (f"monthly {MONTH} national contaminated_km2_end", lambda s: s["monthly_national"]["contaminated_km2_end"], -zones),
        (f"monthly {MONTH} Aghdam released_km2", lambda s: s["monthly_district"]["released_km2"], in_district),
        (f"monthly {MONTH} Aghdam items_by_category.anti_personnel_mine", lambda s: s["monthly_district"]["items_by_category"]["anti_personnel_mine"], 3),
        (f"monthly {MONTH} Aghdam items_by_category.uxo", lambda s: s["monthly_district"]["items_by_category"]["uxo"], 2),
        (f"monthly {MONTH} Aghdam items_by_category.anti_tank_mine", lambda s: s["monthly_district"]["items_by_category"]["anti_tank_mine"], 0),
        (f"monthly {MONTH} Aghdam tasks_started", lambda s: s["monthly_district"]["tasks_started"], 1),
        (f"monthly {MONTH} Aghdam contaminated_km2_end", lambda s: s["monthly_district"]["contaminated_km2_end"], -zones),
        (f"monthly {MONTH} Aghdam contaminated_share_end", lambda s: s["monthly_district"]["contaminated_share_end"], -zones / e["district_area_km2"]),
    ]
    lines = [
        f"Expected (pyproj Geod WGS 84, shapely): R1 record {record:.6f} km², R1 in district "
        f"{in_district:.6f} km², R1 clipped to the contaminated zones {e['r1_in_zones_km2']:.6f} km² "
        f"(newly released {zones:.6f} km²; zones touched {', '.join(e['zones_touched'])}); "
        f"R2 record {e['r2_record_km2']:.6f} km² (rejected: expected move 0). Released-area "
        "figures are expected to move by the clipped area, as approval cuts the record to the zones.",
        "",
        "| figure | before | after submit | after decisions | moved | expected | diff | ok |",
        "|---|---|---|---|---|---|---|---|",
    ]
    problems = 0
    for name, read, want in rows:
        vb, vm, va = read(b), read(m), read(a)
        moved = va - vb
        diff = moved - want
        # Figures are printed to 3 (district) or 6 (records) decimals: 0.1 % of the expected
        # move, or the printed rounding.
        tolerance = max(abs(want) * 0.001, 0.0015 if isinstance(vb, float) else 0)
        ok = abs(diff) <= tolerance
        problems += not ok
        lines.append(
            f"| {name} | {vb} | {vm} | {va} | {moved:+.6f} | {want:+.6f} | {diff:+.6f} | {'yes' if ok else '**NO**'} |"
        )
    fb, fa = b["forecast_district"], a["forecast_district"]
    rate, remaining = fa["rate_km2_per_year"], fa["remaining_km2"]
    want_year = int(AS_OF[:4]) + math.ceil(remaining / rate) if rate else None
    high = max(fa["rate_range_km2_per_year"])
    want_early = int(AS_OF[:4]) + math.ceil(remaining / high) if high else None
    lines += [
        "",
        f"Forecast Aghdam: before clear_by_year={fb['clear_by_year']} range={fb['clear_by_year_range']} note={fb['note']!r}; "
        f"after clear_by_year={fa['clear_by_year']} (by hand {AS_OF[:4]} + ceil({remaining} / {rate}) = {want_year}), "
        f"range={fa['clear_by_year_range']} (earliest by hand {want_early}, latest null since three quarters released nothing), "
        f"rate range={fa['rate_range_km2_per_year']}, note={fa['note']!r}.",
        f"Forecast national after: {a['forecast_national']['clear_by_year']} range {a['forecast_national']['clear_by_year_range']}.",
        "",
        f"Rows off: {problems}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:  # the table again from figures.json, without writing
        saved = json.loads((HERE / "figures.json").read_text())
        table = compare(saved["expected"], saved["before"], saved["submitted"], saved["after"])
        (HERE / "results.md").write_text(table)
        print(table)
    else:
        main()
