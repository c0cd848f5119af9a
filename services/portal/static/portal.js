// The portal's only script: CSRF header on htmx requests, no double submit, errors during swaps, focus after
// swaps, charts from data-chart JSON (ECharts), drag and drop into file inputs.
(function () {
  "use strict";
  var csrf = function () { return document.body.dataset.csrf || ""; };

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  // Disable a form's buttons once it is submitted, still sending the pressed button's name and value.
  document.addEventListener("submit", function (event) {
    var form = event.target, submitter = event.submitter;
    if (form.dataset.submitted === "true") { event.preventDefault(); return; }
    form.dataset.submitted = "true";
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
      hidden.dataset.submitterCopy = "true";
      form.appendChild(hidden);
    }
    setTimeout(function () {
      form.querySelectorAll("button[data-once], button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  var release = function (form) {
    form.dataset.submitted = "";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    form.querySelectorAll("[data-submitter-copy]").forEach(function (i) { i.remove(); });
  };
  window.addEventListener("pageshow", function () { document.querySelectorAll("form").forEach(release); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.target) event.detail.target.removeAttribute("aria-busy");
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form && document.body.contains(form)) release(form);
  });

  var announce = function (text) { var live = document.getElementById("live"); if (live) live.textContent = text; };
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    announce(status === 401 ? "로그인이 필요합니다." : "요청을 처리하지 못했습니다 (" + status + "). 잠시 후 다시 시도해 주세요.");
    var box = document.getElementById("portal-toast");
    if (!box) {
      box = document.createElement("div"); box.id = "portal-toast"; box.className = "portal-notice error"; box.setAttribute("role", "alert");
      document.getElementById("main").prepend(box);
    }
    box.textContent = "요청을 처리하지 못했습니다 (" + status + "). 잠시 후 다시 시도해 주세요.";
  });
  document.addEventListener("htmx:sendError", function () { announce("서버에 연결하지 못했습니다."); });

  var charts = function (root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(el.dataset.chart), true);
    });
  };
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) { var c = window.echarts.getInstanceByDom(el); if (c) c.resize(); });
  });

  var drops = function (root) {
    root.querySelectorAll("[data-drop]:not([data-bound])").forEach(function (zone) {
      zone.dataset.bound = "true";
      var input = document.getElementById(zone.dataset.drop), name = zone.querySelector("[data-drop-name]");
      var show = function () { if (name) name.textContent = input.files.length ? input.files[0].name : ""; };
      input.addEventListener("change", show);
      ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); }); });
      ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); }); });
      zone.addEventListener("drop", function (e) { if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); } });
    });
  };

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target; if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target; if (!target) return;
    target.removeAttribute("aria-busy");
    charts(document); drops(document);
    var heading = target.querySelector("[data-focus]") || target.querySelector("#error-summary");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    else announce("내용을 새로 불러왔습니다.");
  });
  document.addEventListener("DOMContentLoaded", function () {
    charts(document); drops(document);
    var summary = document.getElementById("error-summary"); if (summary) summary.focus();
  });
})();
