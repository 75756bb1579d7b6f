// calllog console: live lookup, keyboard shortcuts and drafts. Pages work
// without this file; it only adds speed and keeps typed text safe.
(function () {
  "use strict";
  var DRAFT_PREFIX = "calllog:draft:";
  var PENDING_PREFIX = "calllog:pending";
  var SHORTCUTS = "calllog:shortcuts";
  var DRAFT_DAYS = 7;
  // The signed-in user (absent on pages shown without a session, /login).
  var userId = document.body.getAttribute("data-user");
  // Bidirectional controls would show text reversed (the server leaves them out of its pages too).
  var BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
  function plain(text) { return String(text == null ? "" : text).replace(BIDI, ""); }

  function store(fn) {
    try { return fn(window.localStorage); } catch (e) { return null; }
  }
  function shortcutsOn() { return store(function (s) { return s.getItem(SHORTCUTS); }) !== "off"; }
  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // ---- single-letter shortcuts can be turned off (WCAG 2.1.4) ----
  var toggle = document.getElementById("shortcuts-toggle");
  function showToggle() {
    if (!toggle) { return; }
    var on = shortcutsOn();
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = "Key shortcuts: " + (on ? "on" : "off");
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var on = shortcutsOn();
      store(function (s) { s.setItem(SHORTCUTS, on ? "off" : "on"); });
      showToggle();
    });
    showToggle();
  }

  // ---- the list of shortcuts: `?` on every page (a dialog, Escape closes it) ----
  var help = document.getElementById("shortcuts");
  var helpOpen = document.getElementById("shortcuts-open");
  function showHelp() {
    if (!help || help.open) { return; }
    if (help.showModal) { help.showModal(); } else { help.setAttribute("open", ""); }
  }
  if (help && helpOpen) {
    helpOpen.hidden = false;
    helpOpen.addEventListener("click", showHelp);
  }

  // The page's search or lookup box, for `/`: the desk's lookup, the list's
  // search, the new call's place finder (when shown).
  function searchBox() {
    var boxes = document.querySelectorAll("#lookup, [data-search]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].offsetParent !== null) { return boxes[i]; }
    }
    return null;
  }

  // ---- keyboard ----
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      var form = ev.target && ev.target.form;
      if (form) {
        ev.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || !shortcutsOn()) { return; }
    if (help && help.open) { return; }
    var card = document.getElementById("card");
    if (ev.key === "?") {
      ev.preventDefault();
      showHelp();
    } else if (ev.key === "/") {
      ev.preventDefault();
      var box = searchBox();
      // A page without a box of its own sends `/` to the desk's lookup.
      if (box) { box.focus(); if (box.select) { box.select(); } } else { window.location.href = "/desk"; }
    } else if (ev.key === "n" && card && card.getAttribute("data-new-call")) {
      ev.preventDefault();
      window.location.href = card.getAttribute("data-new-call");
    } else if (/^[1-9]$/.test(ev.key)) {
      var link = document.querySelector('a[data-key="' + ev.key + '"]');
      if (link) { ev.preventDefault(); window.location.href = link.href; }
    }
  });

  // ---- where the focus starts: the chosen card, a save's message, a refusal's summary ----
  var card = document.getElementById("card");
  if (card && !document.querySelector("[autofocus]")) { card.focus(); }
  var said = document.querySelector("[data-focus]");
  if (said) { said.focus(); }
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // ---- an ARIA combobox over /desk/lookup ----
  // `choose` takes the chosen match; `none` runs when Enter finds no match.
  // `kinds`, when given, keeps only matches of those kinds. An answer with
  // "Suggested": true matched nothing as typed: its options are shown
  // under a "Did you mean" heading (docs/console.md §7).
  function combobox(box, list, status, options) {
    var timer = null;
    var hits = [];
    var active = -1;
    var asked = 0;
    var shownFor = null;
    var heading = document.createElement("p");
    heading.className = "suggested";
    heading.id = list.id + "-suggested";
    heading.textContent = "Did you mean";
    heading.hidden = true;
    list.parentNode.insertBefore(heading, list);
    var close = function () {
      list.hidden = true;
      heading.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    };
    var mark = function (index) {
      active = index;
      var items = list.children;
      for (var i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && items[index]) {
        box.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    };
    var choose = function (index) {
      if (hits[index]) { close(); options.choose(hits[index]); }
    };
    var show = function (elements, suggested) {
      if (options.kinds) {
        elements = elements.filter(function (hit) { return options.kinds.indexOf(hit.Kind) >= 0; });
      }
      hits = elements;
      list.textContent = "";
      elements.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = box.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = hit.Kind === "CallLog" ? "Call" : hit.Kind;
        li.appendChild(kind);
        li.appendChild(document.createTextNode(" " + plain(hit.Label)));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      var said = suggested && elements.length;
      if (said) { list.setAttribute("aria-labelledby", heading.id); } else { list.removeAttribute("aria-labelledby"); }
      if (status) {
        status.textContent = (said ? "Did you mean: " : "") + elements.length + (elements.length === 1 ? " match" : " matches");
      }
      if (elements.length) {
        list.hidden = false;
        heading.hidden = !said;
        box.setAttribute("aria-expanded", "true");
        mark(0);
      } else {
        close();
      }
    };
    // Answers `then` with the matches for the box's text once they are shown.
    var ask = function (then) {
      var q = box.value.trim();
      if (q.length < 2 && !/^#?\d+$/.test(q)) { close(); return; }
      var ticket = ++asked;
      fetch("/desk/lookup?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); return null; }
          return r.ok ? r.json() : null;
        })
        .then(function (body) {
          if (body && ticket === asked) {
            shownFor = q;
            show(body.Elements || [], body.Suggested === true);
            if (then) { then(); }
          }
        })
        .catch(function () { if (status) { status.textContent = "The lookup did not answer."; } });
    };
    // A key pressed before the matches arrived waits for them instead of being lost.
    var fresh = function (then) {
      if (shownFor === box.value.trim()) { then(); return; }
      clearTimeout(timer);
      ask(then);
    };
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { ask(null); }, 150);
    });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        fresh(function () {
          if (!hits.length) { return; }
          list.hidden = false;
          box.setAttribute("aria-expanded", "true");
          mark(Math.min(active + 1, hits.length - 1));
        });
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (hits.length) { mark(Math.max(active - 1, 0)); }
      } else if (ev.key === "Enter" && box.value.trim() !== "") {
        // Enter takes the highlighted match, or the first when none is highlighted.
        ev.preventDefault();
        fresh(function () {
          if (hits.length) { choose(Math.max(active, 0)); } else if (options.none) { options.none(); }
        });
      } else if (ev.key === "Escape") {
        close();
      }
    });
    box.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  // ---- the desk's lookup: choosing opens the card (or the property, or the call) ----
  var lookupBox = document.getElementById("lookup");
  var lookupList = document.getElementById("lookup-results");
  if (lookupBox && lookupList) {
    combobox(lookupBox, lookupList, document.getElementById("lookup-status"), {
      choose: function (hit) {
        switch (hit.Kind) {
          case "Resident": window.location.href = "/desk?residentId=" + hit.Id; break;
          case "Unit": window.location.href = "/desk?unitId=" + hit.Id; break;
          case "Property": window.location.href = "/properties/" + hit.Id; break;
          default: window.location.href = "/calls/" + hit.Id;
        }
      },
      // With no match at all, the form searches on the server.
      none: function () { document.getElementById("lookup-form").submit(); }
    });
  }

  // ---- log a call for a caller not in the directory: find the property or unit by name or number ----
  // The box fills the form's own fields (the property select, the unit's
  // number and its id in the hidden UnitId), which work without it too.
  var placeFind = document.getElementById("place-find");
  var place = document.getElementById("place");
  var propertySelect = document.getElementById("PropertyId");
  var unitNumber = document.getElementById("UnitNumber");
  var unitId = document.getElementById("UnitId");
  if (placeFind && place && propertySelect && unitNumber && unitId) {
    placeFind.hidden = false;
    // The focus the page gives the property select (without the script) starts here instead.
    var startHere = propertySelect.hasAttribute("autofocus") || document.activeElement === propertySelect;
    propertySelect.removeAttribute("autofocus");
    combobox(place, document.getElementById("place-results"), document.getElementById("place-status"), {
      kinds: ["Unit", "Property"],
      choose: function (hit) {
        propertySelect.value = String(hit.PropertyId);
        if (hit.Kind === "Unit") {
          // A unit's label is "Unit <number> — <property>".
          var number = /^Unit (.*?) — /.exec(plain(hit.Label));
          unitNumber.value = number ? number[1] : "";
          unitId.value = String(hit.UnitId);
        } else {
          unitNumber.value = "";
          unitId.value = "";
        }
        place.value = plain(hit.Label);
        propertySelect.dispatchEvent(new Event("change", { bubbles: true }));
        var next = document.getElementById("CallFrom");
        if (next) { next.focus(); }
      }
    });
    // A number typed by hand is read on the server, within the chosen property.
    unitNumber.addEventListener("input", function () { unitId.value = ""; });
    propertySelect.addEventListener("change", function (ev) { if (ev.isTrusted) { unitId.value = ""; } });
    if (startHere) { place.focus(); }
  }

  // ---- the reasons are one tab stop: arrow keys move between them, Space ticks one ----
  var reasons = Array.prototype.slice.call(document.querySelectorAll('.reasons input[name="LogReasons"]'));
  if (reasons.length) {
    var current = reasons.filter(function (r) { return r.checked; })[0] || reasons[0];
    if (reasons.indexOf(document.activeElement) >= 0) { current = document.activeElement; }
    var rove = function (to, focus) {
      reasons.forEach(function (r) { r.tabIndex = r === to ? 0 : -1; });
      if (focus) { to.focus(); }
    };
    rove(current, false);
    reasons.forEach(function (r, i) {
      r.addEventListener("focus", function () { rove(r, false); });
      r.addEventListener("keydown", function (ev) {
        var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
        if (ev.key === "Home") { step = -i; } else if (ev.key === "End") { step = reasons.length - 1 - i; }
        if (step === undefined || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
        ev.preventDefault();
        rove(reasons[(i + step + reasons.length) % reasons.length], true);
      });
    });
  }

  // ---- log a call: choosing a reason fills an empty subject with its name ----
  var subject = document.getElementById("Subject");
  var autoSubject = "";
  if (subject) {
    Array.prototype.forEach.call(document.querySelectorAll('input[name="LogReasons"]'), function (box) {
      box.addEventListener("change", function () {
        if (box.checked && (subject.value === "" || subject.value === autoSubject)) {
          autoSubject = box.getAttribute("data-name") || "";
          subject.value = autoSubject;
        }
      });
    });
  }

  // ---- drafts: kept per user and page until the server confirms the write ----
  // Keys name the user ("calllog:draft:<user>:<page>", "calllog:pending:<user>"),
  // and each draft carries when it was saved. On a shared desk one agent's
  // session may end without "Sign out" and another sign in on the same
  // browser: the first page the second agent opens removes every draft that
  // is not theirs (and any older than DRAFT_DAYS), so what one agent typed is
  // never shown to, nor left for, the next. The same agent signing in again
  // with no one in between finds the draft (a session that expired while typing).
  var myDrafts = userId ? DRAFT_PREFIX + userId + ":" : null;
  var myPending = userId ? PENDING_PREFIX + ":" + userId : null;
  if (userId) {
    store(function (s) {
      var oldest = Date.now() - DRAFT_DAYS * 24 * 3600 * 1000;
      var doomed = [];
      for (var i = 0; i < s.length; i++) {
        var k = s.key(i);
        if (!k) { continue; }
        if (k.indexOf(DRAFT_PREFIX) === 0) {
          var mine = k.indexOf(myDrafts) === 0;
          var draft = null;
          if (mine) { try { draft = JSON.parse(s.getItem(k)); } catch (e) { draft = null; } }
          if (!mine || !draft || typeof draft.savedOn !== "number" || draft.savedOn < oldest) { doomed.push(k); }
        } else if (k.indexOf(PENDING_PREFIX) === 0 && k !== myPending) {
          doomed.push(k);
        }
      }
      doomed.forEach(function (k) { s.removeItem(k); });
    });
  }
  var draftKey = myDrafts ? myDrafts + location.pathname + location.search : null;
  var form = draftKey ? document.querySelector("form[data-draft]") : null;
  var pending = myPending ? store(function (s) { return JSON.parse(s.getItem(myPending) || "null"); }) : null;
  if (pending) {
    // A create is confirmed by landing on the new call; an update by a new ETag without a refusal.
    var here = form && form.getAttribute("data-etag");
    var rejected = form && form.hasAttribute("data-rejected");
    var created = pending.create && /^\/calls\/\d+$/.test(location.pathname);
    var updated = !pending.create && pending.key === draftKey && !rejected && here && here !== pending.etag;
    if (created || updated) { store(function (s) { s.removeItem(pending.key); }); }
    if (created || updated || pending.key !== draftKey) { store(function (s) { s.removeItem(myPending); }); }
  }
  if (form) {
    var fields = function () {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "hidden" && el.type !== "submit" && el.tagName !== "BUTTON";
      });
    };
    var kept = store(function (s) { return JSON.parse(s.getItem(draftKey) || "null"); });
    var saved = kept && kept.fields;
    if (saved && !form.hasAttribute("data-rejected")) {
      fields().forEach(function (el) {
        if (el.type === "checkbox") {
          var values = saved[el.name];
          if (Array.isArray(values) && values.indexOf(el.value) >= 0) { el.checked = true; }
        } else if (typeof saved[el.name] === "string" && saved[el.name] !== "" && (el.tagName === "SELECT" || el.value === "" || el.tagName === "TEXTAREA")) {
          el.value = saved[el.name];
        }
      });
    }
    var save = function () {
      var draft = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox") {
          draft[el.name] = draft[el.name] || [];
          if (el.checked) { draft[el.name].push(el.value); }
        } else {
          draft[el.name] = el.value;
        }
      });
      store(function (s) { s.setItem(draftKey, JSON.stringify({ savedOn: Date.now(), fields: draft })); });
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      save();
      var isCreate = location.pathname === "/calls/new";
      store(function (s) {
        s.setItem(myPending, JSON.stringify({ key: draftKey, create: isCreate, etag: form.getAttribute("data-etag") }));
      });
    });
  }

  // ---- sign-out removes the drafts ----
  Array.prototype.forEach.call(document.querySelectorAll("form[data-signout]"), function (f) {
    f.addEventListener("submit", function () {
      store(function (s) {
        var doomed = [];
        for (var i = 0; i < s.length; i++) {
          var k = s.key(i);
          if (k && (k.indexOf(DRAFT_PREFIX) === 0 || k.indexOf(PENDING_PREFIX) === 0)) { doomed.push(k); }
        }
        doomed.forEach(function (k) { s.removeItem(k); });
      });
    });
  });
})();
