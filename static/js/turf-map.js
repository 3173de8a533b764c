// A leader's turf on a Leaflet map. The points come from a JSON block on the page; the background
// tiles are optional: when they cannot load (no network, no tile server set) the points still show.
(function () {
  var element = document.getElementById("turf-map");
  var source = document.getElementById("turf-map-data");
  if (!element || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  var note = document.getElementById("turf-map-note");
  if (data.tiles) {
    var tiles = L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution });
    tiles.on("tileerror", function () { if (note) { note.hidden = false; } });
    tiles.addTo(map);
  } else if (note) {
    note.hidden = false;
  }
  // Doors to knock are green dots; neighbors to call are blue rings, so a house on both lists shows both.
  var styles = {
    call: { radius: 11, weight: 3, color: "#1d4ed8", fillOpacity: 0 },
    door: { radius: 6, weight: 2, color: "#ffffff", fillColor: "#047857", fillOpacity: 0.95 }
  };
  var bounds = [];
  data.points.forEach(function (point) {
    var marker = L.circleMarker([point.lat, point.lon], styles[point.list] || styles.door);
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.label + " (" + point.voters + ")";
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([point.lat, point.lon]);
  });
  if (data.home) {
    L.circleMarker([data.home.lat, data.home.lon], {
      radius: 10, weight: 3, color: "#ffffff", fillColor: "#b91c1c", fillOpacity: 1
    }).bindTooltip("Home").addTo(map);
    bounds.push([data.home.lat, data.home.lon]);
  }
  if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  } else if (bounds.length === 1) {
    map.setView(bounds[0], 16);
  } else {
    map.setView([38.5, -92.5], 6);
  }
  element.classList.add("turf-map-ready");
})();
