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
        // HTML by design (the provider's link), which the server sanitised (services/places.py).
        attribution: container.getAttribute("data-tile-attribution") || "",
        maxZoom: 18,
      }).addTo(map);
    } else {
      container.classList.add("place-map--plain");
      map.attributionControl.setPrefix(false);
    }
    var markers = places.map(function (place) {
      return marker(place).addTo(map);
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
