// Deep zoom on the image page: OpenSeadragon reads the image's IIIF level-0 info.json and
// takes the place of the plain <picture>. Without JavaScript, without the built library
// (`make assets`), or when the tiles cannot be opened, the picture simply stays.
(function () {
  "use strict";

  var ACTIVE = "js-deep-zoom";

  function accessible(viewer, container) {
    // The canvas takes the keyboard (arrows pan, + and - zoom, 0 fits), so it is an
    // application to screen readers, named by the image's alt text.
    var canvas = viewer.canvas;
    canvas.setAttribute("role", "application");
    canvas.setAttribute("aria-roledescription", "zoomable image");
    canvas.setAttribute("aria-label", container.dataset.label || "Image");
    if (container.dataset.help) canvas.setAttribute("aria-describedby", container.dataset.help);

    // OpenSeadragon's buttons are divs that answer Enter but cannot be tabbed to.
    viewer.buttonGroup.element.classList.add("deep-zoom__controls");
    viewer.buttonGroup.buttons.forEach(function (button) {
      var element = button.element;
      element.tabIndex = 0;
      element.setAttribute("role", "button");
      element.setAttribute("aria-label", button.tooltip);
      element.classList.add("deep-zoom__button");
      element.addEventListener("keydown", function (event) {
        if (event.key !== " ") return;
        event.preventDefault();
        button.raiseEvent("click", { originalEvent: event });
        button.raiseEvent("release", { originalEvent: event });
      });
    });

    // The overview map repeats the image for the mouse; keyboard users have the canvas.
    if (viewer.navigator) viewer.navigator.element.setAttribute("aria-hidden", "true");

    // OpenSeadragon reads "+" and "-" only from the main keyboard row; take the keypad too.
    viewer.addHandler("canvas-key", function (event) {
      var key = event.originalEvent.key;
      var code = event.originalEvent.keyCode;
      if ((key === "+" || key === "-") && code !== 187 && code !== 189) {
        viewer.viewport.zoomBy(key === "+" ? 1.1 : 1 / 1.1);
        viewer.viewport.applyConstraints();
        event.preventDefaultAction = true;
      }
    });
  }

  function overviewWhenZoomed(viewer) {
    // The overview map only helps once there is somewhere to be lost; at the whole-image
    // view it would just cover a corner of the image.
    var navigator = viewer.navigator;
    if (!navigator) return;
    function update() {
      var zoomed = viewer.viewport.getZoom() > viewer.viewport.getHomeZoom() * 1.05;
      navigator.element.style.visibility = zoomed ? "visible" : "hidden";
    }
    viewer.addHandler("open", update);
    viewer.addHandler("zoom", update);
  }

  // Region notes (listed below the image with data-xywh in pixels of the original) become
  // outlined, focusable links over the zoomable image, each leading to its note.
  function regionOverlays(viewer) {
    var notes = document.querySelectorAll(".annotation-note[data-xywh]");
    if (!notes.length) return;
    viewer.addHandler("open", function () {
      notes.forEach(function (note) {
        var box = note.dataset.xywh.split(",").map(Number);
        if (box.length !== 4 || box.some(isNaN)) return;
        var link = document.createElement("a");
        link.className = "deep-zoom__region";
        link.href = "#" + note.id;
        link.dataset.note = note.id;
        link.textContent = note.dataset.number || "";
        link.setAttribute("aria-label", "Note " + (note.dataset.number || "") + " on this region");
        // OpenSeadragon's mouse tracker would swallow the click: let links be links.
        new OpenSeadragon.MouseTracker({
          element: link,
          clickHandler: function () { window.location.hash = note.id; },
        });
        viewer.addOverlay({
          element: link,
          location: viewer.viewport.imageToViewportRectangle(box[0], box[1], box[2], box[3]),
        });
      });
    });
  }

  function start(container) {
    var stage = container.closest(".image-stage") || container.parentNode;
    var width = Number(container.dataset.width);
    var height = Number(container.dataset.height);
    // Shaped like the image (within the limits site.css sets), so it fills the viewer at first.
    if (width && height) stage.style.setProperty("--ratio", String(width / height));
    // The placeholder label goes with the viewer, into full screen too.
    var badge = stage.querySelector(".image-stage__badge");
    var badgeHome = badge && badge.parentNode;
    if (badge) container.appendChild(badge);
    stage.classList.add(ACTIVE);
    container.hidden = false;
    container.dataset.state = "loading";

    var viewer;
    function restore() {
      // Back to the picture the page was sent with.
      if (badge) badgeHome.appendChild(badge);
      if (viewer) viewer.destroy();
      container.hidden = true;
      container.dataset.state = "failed";
      stage.classList.remove(ACTIVE);
    }

    try {
      viewer = OpenSeadragon({
        element: container,
        // Given the URL, OpenSeadragon fetches info.json and, for a level-0 profile, asks only
        // for the tiles its `tiles`/`scaleFactors` describe and the whole-image `sizes`.
        tileSources: container.dataset.infoUrl,
        prefixUrl: container.dataset.prefixUrl,
        drawer: "canvas",
        preserveViewport: true,
        visibilityRatio: 1,
        constrainDuringPan: true,
        minZoomImageRatio: 1,
        maxZoomPixelRatio: 2,
        autoHideControls: false,
        navigationControlAnchor: OpenSeadragon.ControlAnchor.TOP_RIGHT,
        showRotationControl: false,
        // On a phone the overview map would cover too much of a small viewer.
        showNavigator: container.clientWidth >= 600,
        navigatorPosition: "BOTTOM_RIGHT",
        navigatorAutoFade: false,
        // Zoom and pan jump instead of gliding for those who ask for less motion.
        animationTime: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 1.2,
        // A click only focuses the viewer; a double click zooms.
        gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      });
      accessible(viewer, container);
      overviewWhenZoomed(viewer);
      regionOverlays(viewer);
    } catch (error) {
      restore();
      throw error;
    }

    viewer.addHandler("open", function () {
      container.dataset.state = "open";
    });
    viewer.addHandler("open-failed", restore);

    window.exhibitViewers = window.exhibitViewers || [];
    window.exhibitViewers.push(viewer);
  }

  function init() {
    if (typeof window.OpenSeadragon !== "function") return;
    OpenSeadragon.setString("Tooltips.Home", "Fit the whole image");
    OpenSeadragon.setString("Tooltips.FullPage", "Full screen");
    document.querySelectorAll(".deep-zoom[data-info-url]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
