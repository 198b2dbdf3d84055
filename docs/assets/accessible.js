// Material wraps wide tables in a scrolling `.md-typeset__scrollwrap`, which keyboard users can
// reach only if it is focusable (axe-core: "scrollable-region-focusable"). Runs on every page
// load, including Material's instant navigation (`document$`).
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (region) {
    if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
    }
  });
});
