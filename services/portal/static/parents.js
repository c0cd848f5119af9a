// The parents' phone pages: uploads that survive a poor connection, the connection check before an online
// meeting, and "copy the link" buttons. No pop-ups, no third-party anything (KakaoTalk's in-app browser).
(function () {
  "use strict";
  var csrf = function () { return document.body.dataset.csrf || ""; };
  var MAX = 10 * 1024 * 1024, TRIES = 6;

  var line = function (box, text, kind) {
    var p = document.createElement("p");
    p.className = "portal-notice " + (kind || "");
    p.textContent = text;
    box.appendChild(p);
    return p;
  };

  // One file, one XMLHttpRequest with upload progress; a network error is retried with the same
  // Idempotency-Key, so the service stores the file once however often it arrives.
  var send = function (zone, file, key, status) {
    var row = document.createElement("div");
    row.className = "portal-upload-row";
    var name = document.createElement("p");
    name.textContent = file.name + " 보내는 중…";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", file.name + " 올리는 중");
    row.appendChild(name); row.appendChild(bar); status.appendChild(row);
    if (file.size > MAX) { name.textContent = file.name + ": 10MB보다 큰 파일은 낼 수 없습니다."; row.classList.add("error"); bar.remove(); return Promise.resolve(false); }
    var body = new FormData();
    body.append("file", file);
    body.append("kind", zone.dataset.kind);
    body.append("session_id", zone.dataset.session);
    body.append("expense_id", zone.dataset.expense);
    return new Promise(function (resolve) {
      var attempt = 0;
      var go = function () {
        attempt += 1;
        var xhr = new XMLHttpRequest();
        xhr.open("POST", zone.dataset.url);
        xhr.setRequestHeader("Idempotency-Key", key);
        xhr.setRequestHeader("X-CSRF-Token", csrf());
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total); };
        xhr.onload = function () {
          var answer = {};
          try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
          if (xhr.status === 201 || xhr.status === 200) { bar.value = 100; done(row, name, bar, answer, file); resolve(true); return; }
          if (xhr.status >= 500 && attempt < TRIES) { retry(); return; }
          name.textContent = file.name + ": " + (answer.message || "내지 못했습니다 (" + xhr.status + ").");
          row.classList.add("error"); bar.remove(); resolve(false);
        };
        var retry = function () {
          name.textContent = file.name + ": 연결이 끊겨 다시 보내는 중… (" + attempt + "/" + (TRIES - 1) + ")";
          setTimeout(go, Math.min(500 * attempt, 3000));
        };
        xhr.onerror = function () {
          if (attempt < TRIES) { retry(); return; }
          name.textContent = file.name + ": 인터넷 연결을 확인한 뒤 다시 눌러 주세요. 파일은 저장되지 않았습니다.";
          row.classList.add("error"); resolve(false);
        };
        xhr.send(body);
      };
      go();
    });
  };

  var done = function (row, name, bar, answer, file) {
    row.classList.add("success");
    name.innerHTML = "";
    var strong = document.createElement("strong");
    strong.textContent = "제출 완료";
    name.appendChild(strong);
    name.appendChild(document.createTextNode(" · " + file.name));
    bar.remove();
    if (answer.content_type && answer.content_type.indexOf("image/") === 0) {
      var img = document.createElement("img");
      img.className = "portal-thumb"; img.alt = file.name + " 미리보기"; img.src = answer.preview;
      row.appendChild(img);
    } else {
      var badge = document.createElement("span");
      badge.className = "krds-badge outline-gray"; badge.textContent = "PDF";
      row.appendChild(badge);
    }
  };

  // After the uploads, the checklist as the service now sees it (the "제출 완료" rows stay on the page).
  var refresh = function () {
    return fetch(window.location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        ["owed", "returned"].forEach(function (id) {
          var now = document.getElementById(id), fresh = next.getElementById(id);
          if (now && fresh) { now.replaceWith(fresh); bind(fresh); }
        });
      });
  };

  var bind = function (root) {
    root.querySelectorAll("[data-upload]:not([data-bound])").forEach(function (zone) {
      zone.dataset.bound = "true";
      var status = zone.querySelector("[data-status]"), done = document.getElementById("done") || status;
      zone.querySelectorAll("[data-file]").forEach(function (input) {
        input.addEventListener("change", function () {
          var files = Array.prototype.slice.call(input.files), sent = Promise.resolve();
          files.forEach(function (file, i) {
            var key = zone.dataset.key + "-" + input.id + "-" + file.size + "-" + i;
            sent = sent.then(function () { return send(zone, file, key, done); });
          });
          sent.then(refresh).then(function () { input.value = ""; });
        });
      });
    });
  };

  // The connection check: camera and microphone (permission and devices), the network and its round trip.
  var check = function (box) {
    var results = box.querySelector("[data-check-results]"), list = results.querySelector("ul");
    var item = function (ok, text) {
      var li = document.createElement("li");
      li.className = ok ? "ok" : "problem";
      li.dataset.check = ok ? "ok" : "problem";
      li.textContent = (ok ? "✔ " : "✘ ") + text;
      list.appendChild(li);
    };
    list.innerHTML = "";
    var media = function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        item(false, "이 브라우저는 카메라·마이크를 쓸 수 없습니다. 카카오톡에서는 오른쪽 위 메뉴의 ‘다른 브라우저로 열기’를 눌러 Chrome이나 Safari로 여세요.");
        return Promise.resolve();
      }
      return navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(function (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        item(true, "카메라와 마이크를 쓸 수 있습니다(권한 허용됨).");
        return navigator.mediaDevices.enumerateDevices().then(function (devices) {
          var cams = devices.filter(function (d) { return d.kind === "videoinput"; }).length;
          var mics = devices.filter(function (d) { return d.kind === "audioinput"; }).length;
          item(cams > 0, cams > 0 ? "카메라 " + cams + "개를 찾았습니다." : "카메라를 찾지 못했습니다. 화면 없이 소리로만 참여할 수 있습니다.");
          item(mics > 0, mics > 0 ? "마이크 " + mics + "개를 찾았습니다." : "마이크를 찾지 못했습니다. 이어폰 마이크를 연결해 보세요.");
        });
      }).catch(function (err) {
        var denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        item(false, denied ? "카메라·마이크 권한이 거부되었습니다. 브라우저 설정에서 이 사이트의 카메라와 마이크를 ‘허용’으로 바꿔 주세요."
                           : "카메라나 마이크를 찾지 못했습니다. 다른 앱이 쓰고 있다면 닫고 다시 점검해 주세요.");
      });
    };
    var network = function () {
      if (navigator.onLine === false) { item(false, "인터넷에 연결되어 있지 않습니다. 와이파이나 모바일 데이터를 켜 주세요."); return Promise.resolve(); }
      var times = [], url = box.dataset.ping;
      var one = function () {
        var t0 = performance.now();
        return fetch(url + "?t=" + Date.now(), { cache: "no-store", credentials: "same-origin" }).then(function (r) {
          if (!r.ok && r.status !== 204) throw new Error(String(r.status));
          times.push(performance.now() - t0);
        });
      };
      return one().then(one).then(one).then(function () {
        times.sort(function (a, b) { return a - b; });
        var ms = Math.round(times[1]);
        box.dataset.rtt = String(ms);
        item(ms < 300, ms < 300 ? "인터넷 연결이 좋습니다(응답 " + ms + "ms)." : "인터넷이 느립니다(응답 " + ms + "ms). 와이파이 가까이에서 참여하거나 영상을 끄고 참여해 보세요.");
      }).catch(function () { item(false, "센터 서버에 연결하지 못했습니다. 인터넷 연결을 확인해 주세요."); });
    };
    box.setAttribute("aria-busy", "true");
    return media().then(network).then(function () { box.removeAttribute("aria-busy"); box.dataset.checked = "true"; results.focus(); });
  };

  document.addEventListener("click", function (event) {
    var start = event.target.closest("[data-check-start]");
    if (start) check(start.closest("[data-check]"));
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.getElementById(copy.dataset.copy);
      input.select();
      var said = function () { copy.textContent = "복사했습니다"; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(said, said);
      else { document.execCommand("copy"); said(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
})();
