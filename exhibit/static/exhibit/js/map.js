// Maps of places, as progressive enhancement: the page lists the places with their
// coordinates; this script draws them on a Leaflet map above the list. Each map is an element
// with `data-map` whose `data-map-places` names the element holding the places, each place an
// element with `data-lat`, `data-lng` and `data-name` (and `data-url` for a link); or whose
// `data-map-source` is the address of a GeoJSON FeatureCollection of points with `name` and
// `url` properties (the map of all places, whose page lists them a page at a time). Nearby
// markers are clustered (Leaflet.markercluster, when loaded): a cluster is a button naming how
// many places it holds, and Enter or a click zooms into it. The tile server and its credit
// come from `data-tile-url` and `data-tile-attribution`; with no tile URL the markers stand on
// a plain background and no tiles are fetched.
(function () {
  "use strict";

  if (!window.L) {
    return;
  }

  // GeoJSON features (RFC 7946: longitude first) as places; anything malformed is left out.
  function placesFromGeoJSON(data) {
    var features = data && Array.isArray(data.features) ? data.features : [];
    return features
      .map(function (feature) {
        var point = (feature && feature.geometry && feature.geometry.coordinates) || [];
        var properties = (feature && feature.properties) || {};
        return {
          lat: Number(point[1]),
          lng: Number(point[0]),
          name: typeof properties.name === "string" ? properties.name : "",
          url: typeof properties.url === "string" ? properties.url : "",
        };
      })
      .filter(function (place) {
        return isFinite(place.lat) && isFinite(place.lng);
      });
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

  // Leaflet sets a string given as a tooltip's or popup's content as HTML, so names go in
  // as text nodes: a place called "<meta http-equiv=refresh ...>" is shown, not obeyed.
  function text(name) {
    var content = document.createElement("span");
    content.textContent = name;
    return content;
  }

  // Only a web address becomes a link: never javascript: or data:, whatever the page says.
  function webAddress(url) {
    try {
      var protocol = new URL(url, document.baseURI).protocol;
      return protocol === "http:" || protocol === "https:" ? url : "";
    } catch (error) {
      return "";
    }
  }

  function popup(place) {
    var url = webAddress(place.url);
    if (!url) {
      return text(place.name);
    }
    var link = document.createElement("a");
    link.textContent = place.name;
    link.href = url;
    return link;
  }

  // A marker is a focusable button named for its place (Leaflet's keyboard option gives the
  // tabindex and role; an SVG circle could not take focus). Enter (Leaflet) or Space opens its
  // popup and moves focus to the link in it; Escape closes it and gives focus back.
  function marker(place) {
    var layer = L.marker([place.lat, place.lng], {
      icon: L.divIcon({ className: "place-map__marker", iconSize: [18, 18] }),
      keyboard: true,
    })
      .bindTooltip(text(place.name), { direction: "top", offset: [0, -10] })
      .bindPopup(popup(place), { offset: [0, -6] });
    var byKeyboard = false;
    layer.on("add", function () {
      var element = layer.getElement();
      element.setAttribute("aria-label", place.name);
      // A clustered marker is added again (with the same element) each time it comes out of
      // its cluster: listen once.
      if (element.hasAttribute("data-keys")) {
        return;
      }
      element.setAttribute("data-keys", "");
      element.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          byKeyboard = true;
        }
        if (event.key === " ") {
          event.preventDefault(); // a button, not a page scroll
          layer.openPopup();
        }
        if (event.key === "Escape") {
          layer.closePopup();
        }
      });
    });
    // The tooltip repeats the name: it need not be read out again as a description. Leaflet
    // sets aria-describedby just after this event, so it is removed once that has run.
    layer.on("tooltipopen", function () {
      Promise.resolve().then(function () {
        var element = layer.getElement();
        if (element) {
          element.removeAttribute("aria-describedby");
        }
      });
    });
    layer.on("popupopen", function (event) {
      var element = event.popup.getElement();
      var link = element.querySelector(".leaflet-popup-content a");
      if (!element.hasAttribute("data-escape")) {
        // Leaflet closes a popup on Escape only while the map itself has focus.
        element.setAttribute("data-escape", "");
        element.addEventListener("keydown", function (keyEvent) {
          if (keyEvent.key === "Escape") {
            layer.closePopup();
          }
        });
      }
      if (byKeyboard && link) {
        link.focus();
      }
    });
    layer.on("popupclose", function (event) {
      var element = layer.getElement();
      var active = document.activeElement;
      var lost =
        !active ||
        active === document.body ||
        !active.isConnected ||
        event.popup.getElement().contains(active);
      if (byKeyboard && element && lost) {
        element.focus();
      }
      byKeyboard = false;
    });
    return layer;
  }

  // A cluster's icon: a button (Leaflet's keyboard option) named for how many places it
  // holds; its number is text, never markup.
  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      element.setAttribute("aria-label", this.options.label);
      return element;
    },
  });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var number = document.createElement("span");
    number.textContent = String(count);
    var size = count < 10 ? 30 : count < 100 ? 36 : 44;
    return new ClusterIcon({
      html: number,
      className: "place-map__cluster",
      iconSize: [size, size],
      label: count + " places: zoom in",
    });
  }

  function layerFor(count) {
    if (!L.markerClusterGroup || count < 2) {
      return L.featureGroup();
    }
    return L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      maxClusterRadius: 40,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      // A cluster asks for a zoom before its markers: every marker is reached by zooming in.
      zoomToBoundsOnClick: true,
    });
  }

  function show(container, places) {
    if (!places.length) {
      return;
    }
    container.hidden = false;
    // maxZoom on the map too: clustering needs one, and with no tile layer none is set.
    var map = L.map(container, { scrollWheelZoom: false, zoomSnap: 0.5, maxZoom: 18 });
    var tileUrl = container.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        // HTML by design (the provider's link), which the server sanitised (services/places.py).
        attribution: container.getAttribute("data-tile-attribution") || "",
        maxZoom: 18,
      }).addTo(map);
    } else {
      container.classList.add("place-map--plain");
      map.attributionControl.setPrefix(false);
    }
    var markers = places.map(marker);
    if (markers.length === 1) {
      map.setView([places[0].lat, places[0].lng], Number(container.getAttribute("data-zoom")) || 6);
    } else {
      var bounds = L.latLngBounds(
        places.map(function (place) {
          return [place.lat, place.lng];
        })
      );
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 8 });
    }
    var group = layerFor(markers.length);
    group.addTo(map);
    if (group.addLayers) {
      group.addLayers(markers);
    } else {
      markers.forEach(function (layer) {
        group.addLayer(layer);
      });
    }
    container.setAttribute("data-map-ready", String(markers.length));
  }

  function draw(container) {
    var source = container.getAttribute("data-map-source");
    if (!source) {
      show(container, placesOf(container));
      return;
    }
    // The list below the map stays the way to the places if this fails.
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("places: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(container, placesFromGeoJSON(data));
      })
      .catch(function (error) {
        console.error(error);
      });
  }

  document.querySelectorAll("[data-map]").forEach(draw);
})();
