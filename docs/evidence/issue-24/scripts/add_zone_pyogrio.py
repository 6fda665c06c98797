# Add one zone to the package's contaminated_zones layer with pyogrio (append), as a field team's script would.
import sys, datetime, geopandas as gpd, shapely
from pyogrio import write_dataframe
path, x, y = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
d = 0.004
new = gpd.GeoDataFrame({"code": ["FIELD-FUZ-1"], "name": ["found by survey team 7"], "hazard_class": ["CHA"],
    "contamination": ["anti_tank,uxo"], "risk_level": ["high"], "status": ["active"],
    "recorded_on": [datetime.date(2026, 11, 25)], "estimated_devices": [6], "source": ["field survey, team 7"]},
    geometry=[shapely.MultiPolygon([shapely.box(x - d, y - d, x + d, y + d)])], crs="EPSG:4326")
write_dataframe(new, path, layer="contaminated_zones", driver="GPKG", append=True)
print("appended FIELD-FUZ-1")
