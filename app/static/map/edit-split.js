// Splitting a polygon by a line drawn across it: the line's first stretch inside the polygon,
// from the boundary to the boundary, cuts its outer ring in two. Polygons with holes are not
// split (the user is told so); PostGIS checks each piece again when it is saved.
"use strict";

window.Contamap = window.Contamap || {};

// Where segments p-q and r-s cross: [x, y, t along p-q, u along r-s], or null.
const crossing = (p, q, r, s) => {
  const d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0]);
  if (d === 0) return null;
  const t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d;
  const u = ((r[0] - p[0]) * (q[1] - p[1]) - (r[1] - p[1]) * (q[0] - p[0])) / d;
  if (t < 0 || t > 1 || u < 0 || u > 1) return null;
  // Rounded as terra-draw keeps coordinates (9 decimals, a millimetre), or it refuses them.
  const round = (value) => Math.round(value * 1e9) / 1e9;
  return [round(p[0] + t * (q[0] - p[0])), round(p[1] + t * (q[1] - p[1])), t, u];
};

// Whether a point is inside a ring (even-odd rule).
const inside = ([x, y], ring) => {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
};

// The line's crossings with the ring, in order along the line: { point, edge, segment, at }.
const crossings = (ring, line) => {
  const found = [];
  for (let a = 0; a < line.length - 1; a += 1) {
    const here = [];
    for (let edge = 0; edge < ring.length - 1; edge += 1) {
      const hit = crossing(line[a], line[a + 1], ring[edge], ring[edge + 1]);
      if (hit) here.push({ point: [hit[0], hit[1]], edge, segment: a, at: a + hit[2] });
    }
    found.push(...here.sort((x, y) => x.at - y.at));
  }
  return found;
};

// The two rings a line cuts a ring into, or null when it does not cross it from side to side.
Contamap.splitRing = (ring, line) => {
  const hits = crossings(ring, line);
  for (let k = 0; k + 1 < hits.length; k += 1) {
    const [first, second] = [hits[k], hits[k + 1]];
    const cut = [first.point, ...line.slice(first.segment + 1, second.segment + 1), second.point];
    const middle = cut.length > 2 ? cut[1] : [(first.point[0] + second.point[0]) / 2, (first.point[1] + second.point[1]) / 2];
    if (!inside(middle, ring) || first.edge === second.edge) continue;
    // Walk the ring forward from the first crossing to the second, and on from the second
    // round to the first; each walk closes along the cut.
    const open = ring.slice(0, -1);
    const n = open.length;
    const walk = (from, to) => {
      const points = [];
      for (let i = (from + 1) % n; ; i = (i + 1) % n) {
        points.push(open[i]);
        if (i === to) break;
      }
      return points;
    };
    const one = [first.point, ...walk(first.edge, second.edge), ...cut.slice().reverse().slice(0, -1)];
    const two = [second.point, ...walk(second.edge, first.edge), ...cut.slice(0, -1)];
    return [[...one, one[0]], [...two, two[0]]];
  }
  return null;
};

// Split the MultiPolygon's part the line crosses: the parts before and after, or null.
Contamap.splitGeometry = (geometry, line) => {
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  for (let i = 0; i < parts.length; i += 1) {
    if (parts[i].length > 1) continue; // a polygon with holes
    const rings = Contamap.splitRing(parts[i][0], line);
    if (!rings) continue;
    const kept = parts.filter((_, j) => j !== i);
    return {
      first: { type: "MultiPolygon", coordinates: [...kept, [rings[0]]] },
      second: { type: "MultiPolygon", coordinates: [[rings[1]]] },
    };
  }
  return null;
};
