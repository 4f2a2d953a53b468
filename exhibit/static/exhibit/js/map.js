// Maps of places, as progressive enhancement: the page lists the places with their
// coordinates; this script draws them on a Leaflet map above the list. Each map is an element
// with `data-map` whose `data-map-places` names the element holding the places, each place an
// element with `data-lat`, `data-lng` and `data-name` (and `data-url` for a link). The tile
// server and its credit come from `data-tile-url` and `data-tile-attribution`; with no tile
// URL the markers stand on a plain background and nothing is fetched.
(function () {
  "use strict";

  if (!window.L) {
    return;
  }

  function placesOf(container) {
    var source = document.getElementById(container.getAttribute("data-map-places"));
    if (!source) {
      return [];
    }
    var elements = source.matches("[data-lat]") ? [source] : source.querySelectorAll("[data-lat]");
    return Array.prototype.map.call(elements, function (element) {
      return {
        lat: parseFloat(element.getAttribute("data-lat")),
        lng: parseFloat(element.getAttribute("data-lng")),
        name: element.getAttribute("data-name") || "",
        url: element.getAttribute("data-url") || "",
      };
    }).filter(function (place) {
      return isFinite(place.lat) && isFinite(place.lng);
    });
  }

  function popup(place) {
    // Built as elements, never as HTML, so a place's name cannot inject markup.
    var content = document.createElement(place.url ? "a" : "span");
    content.textContent = place.name;
    if (place.url) {
      content.href = place.url;
    }
    return content;
  }

  function draw(container) {
    var places = placesOf(container);
    if (!places.length) {
      return;
    }
    container.hidden = false;
    var map = L.map(container, { scrollWheelZoom: false, zoomSnap: 0.5 });
    var tileUrl = container.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        attribution: container.getAttribute("data-tile-attribution") || "",
        maxZoom: 18,
      }).addTo(map);
    } else {
      container.classList.add("place-map--plain");
      map.attributionControl.setPrefix(false);
    }
    var markers = places.map(function (place) {
      return L.circleMarker([place.lat, place.lng], {
        className: "place-map__marker",
        radius: 7,
        weight: 2,
        fillOpacity: 0.85,
      })
        .bindTooltip(place.name)
        .bindPopup(popup(place))
        .addTo(map);
    });
    if (markers.length === 1) {
      map.setView([places[0].lat, places[0].lng], Number(container.getAttribute("data-zoom")) || 6);
    } else {
      map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 8 });
    }
    container.setAttribute("data-map-ready", String(markers.length));
  }

  document.querySelectorAll("[data-map]").forEach(draw);
})();
