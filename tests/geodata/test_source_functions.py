"""TopoJSON decoding and the Azerbaijani-name rule on inputs small enough to check by hand."""

# Azerbaijani spelling uses the dotless i (U+0131) on purpose.

import numpy as np
import pytest
from shapely.geometry import box

from geodata.settlement_names import name_az
from geodata.topojson import decode_arcs, geometry, simplify_arcs

# Two squares side by side, quantized on a 0.5-degree grid from (10, 20). Arc 0 is the shared
# edge, (2,0)->(2,2) in grid units; the right square walks it backwards (index ~0 == -1).
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[2, 0], [0, 2]],
        [[2, 2], [-2, 0], [0, -2], [2, 0]],
        [[2, 0], [2, 0], [0, 2], [-2, 0]],
    ],
}
LEFT = {"type": "Polygon", "arcs": [[0, 1]]}
RIGHT = {"type": "MultiPolygon", "arcs": [[[2, -1]]]}


def test_decode_undoes_delta_encoding_and_quantization() -> None:
    arcs = decode_arcs(TOPOLOGY)
    assert arcs[0].tolist() == [[11.0, 20.0], [11.0, 21.0]]
    assert arcs[2].tolist() == [[11.0, 20.0], [12.0, 20.0], [12.0, 21.0], [11.0, 21.0]]


def test_polygons_are_the_two_squares_sharing_one_edge() -> None:
    arcs = decode_arcs(TOPOLOGY)
    left, right = geometry(LEFT, arcs), geometry(RIGHT, arcs)
    assert left.symmetric_difference(box(10, 20, 11, 21)).area == 0
    assert right.symmetric_difference(box(11, 20, 12, 21)).area == 0
    assert left.intersection(right).length == pytest.approx(1.0)


def test_a_ring_collapsed_by_quantization_gives_no_polygon() -> None:
    arcs = [np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])]
    assert geometry({"type": "Polygon", "arcs": [[0]]}, arcs).is_empty


def test_other_geometry_types_are_refused() -> None:
    with pytest.raises(ValueError, match="LineString"):
        geometry({"type": "LineString", "arcs": [0]}, decode_arcs(TOPOLOGY))


def test_simplify_drops_a_small_bump_and_keeps_the_ends() -> None:
    (arc,) = simplify_arcs([np.array([[0.0, 0.0], [1.0, 0.001], [2.0, 0.0]])], 0.01)
    assert arc.tolist() == [[0.0, 0.0], [2.0, 0.0]]


@pytest.mark.parametrize(
    ("name", "alternates", "expected"),
    [
        ("Şuşa", ["Shusha", "Şuşa"], "Şuşa"),  # the GeoNames name is already Azerbaijani
        ("Zangilan", ["Zəngilan", "İçəri"], "Zəngilan"),  # the name with its letters restored
        ("Ganja", ["Gandża", "Gäncä", "Gǝncǝ", "Gəncə"], "Gəncə"),  # U+01DD and ä are not ə
        ("Qobustan", ["Maraza", "Mərəzə"], "Qobustan"),  # q: already Azerbaijani
        ("Shamkhor", ["Şamxor", "Şəmkir"], "Şəmkir"),  # ə first
        ("Geytepe", ["Goeytəpə", "Göytəpə", "Prişib"], "Göytəpə"),  # then more letters
        ("Masally", ["Masallı", "Masalı"], "Masallı"),  # then GeoNames' order
        ("Göychay", ["Göychay"], None),  # "ch" is English, not Azerbaijani
        ("Quba", ["Guba", "Kuba"], "Quba"),  # no Azerbaijani letter needed
        ("Khirdalan", ["Xirdalan"], None),  # "kh" is English, and no candidate
    ],
)
def test_name_az_rule(name: str, alternates: list[str], expected: str | None) -> None:
    assert name_az(1, name, alternates) == expected


def test_name_az_override_wins() -> None:
    assert name_az(587084, "Baku", ["Bakü", "Bakı"]) == "Bakı"
