/* The wallboard TV page: polls the board's data every 5 s with If-None-Match and re-renders only when it
   changed (200; a 304 only stamps the time); the countdown ticks every second on the screen's clock,
   corrected by the server's. A failed fetch keeps the last data and shows the offline mark; a revoked
   link (404) clears the board. Every word comes from the page's labels (#wallboard-labels). */
(function () {
  "use strict";

  var POLL_MS = 5000;
  var NEW_AWARD_MS = 20000;
  var TICKER_PX_PER_S = 90;
  var SMALLEST_FIT = 50;  // % of the panel's size: below it, the rest is cut off

  var root = document.getElementById("wallboard");
  var labels = JSON.parse(document.getElementById("wallboard-labels").textContent);
  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang, {maximumFractionDigits: 1});
  // Scores always show one decimal, so that a column of them lines up (46.0 under 50.2).
  var scores = new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var names = Intl.ListFormat ? new Intl.ListFormat(lang)
    : {format: function (list) { return list.join(", "); }};
  var clock = new Intl.DateTimeFormat(lang, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: root.getAttribute("data-timezone") || undefined
  });
  var state = {etag: null, offset: 0, countdown: null, updatedAt: null, seenAwards: null, awardTimer: null};

  function $(id) { return document.getElementById(id); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function emptyItem(text) {
    return el("li", "wb-empty", text);
  }

  /* A KPI figure: a rate with the unit % is a fraction (0.9 shows as 90 %). */
  function figure(value, entry) {
    if (value === null || value === undefined) { return "—"; }
    if (entry.aggregate === "rate" && entry.unit === "%") { return numbers.format(value * 100) + " %"; }
    return numbers.format(value) + (entry.unit ? " " + entry.unit : "");
  }

  // --- countdown ------------------------------------------------------------------------------

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    var countdown = state.countdown;
    var box = $("wb-countdown");
    if (!countdown) { box.hidden = true; return; }
    box.hidden = false;
    var left = Date.parse(countdown.target) - (Date.now() + state.offset);
    var over = left <= 0 || countdown.done;
    box.classList.toggle("wb-countdown-over", over);
    $("wb-countdown-digits").hidden = over;
    if (over) {
      $("wb-countdown-label").textContent = countdown.until === "start" ? labels.starting : labels.ended;
      return;
    }
    $("wb-countdown-label").textContent = countdown.until === "start" ? labels.startsIn : labels.endsIn;
    var seconds = Math.floor(left / 1000);
    var parts = {
      days: String(Math.floor(seconds / 86400)), hours: pad(Math.floor(seconds / 3600) % 24),
      minutes: pad(Math.floor(seconds / 60) % 60), seconds: pad(seconds % 60)
    };
    box.querySelectorAll("[data-unit]").forEach(function (node) {
      node.textContent = parts[node.getAttribute("data-unit")];
    });
  }

  // --- the panels -----------------------------------------------------------------------------

  function renderHeading(data) {
    var campaign = data.campaign;
    $("wb-title").textContent = campaign ? campaign.name : (data.board.team || "");
    $("wb-subtitle").textContent = campaign ? (data.board.team || "") : "";
    state.countdown = data.countdown && campaign ? {
      target: data.countdown.target, until: data.countdown.until,
      done: campaign.state === "ended" || campaign.state === "published"
    } : null;
    tick();
  }

  /* Put the nodes in the element, or `empty` (a node, or [] for nothing) when there are none. */
  function show(id, nodes, empty) {
    var box = $(id);
    box.replaceChildren.apply(box, nodes.length ? nodes : [].concat(empty));
  }

  function renderTop(data) {
    var byScore = Boolean(data.campaign);
    $("wb-top-title").textContent = byScore ? labels.top : labels.weekPoints;
    show("wb-top", data.top.map(function (row) {
      var item = el("li", "wb-top-row");
      item.appendChild(el("span", "wb-rank", String(row.rank)));
      var who = el("span", "wb-who");
      who.appendChild(el("span", "wb-name", row.name));
      if (row.team) { who.appendChild(el("span", "wb-team", row.team)); }
      item.appendChild(who);
      var amount = el("span", "wb-amount", byScore ? scores.format(row.score) : numbers.format(row.points));
      amount.appendChild(el("small", null, byScore ? labels.score : labels.points));
      item.appendChild(amount);
      return item;
    }), emptyItem(labels.noTop));
  }

  /* How a team stands against a target: met, not met yet, or no figures. */
  function standing(result) {
    if (result.met === true) { return {className: "wb-met", label: labels.met, mark: "✓"}; }
    if (result.met === false) { return {className: "wb-not-met", label: labels.notMet, mark: ""}; }
    return {className: "wb-no-data", label: labels.noData, mark: ""};
  }

  function progressBar(name, result, entry) {
    var stand = standing(result);
    var row = el("div", "wb-bar-row " + stand.className);
    row.appendChild(el("span", "wb-bar-name", name));
    var bar = el("span", "wb-bar");
    var filled = el("span", "wb-bar-fill");
    filled.style.width = Math.round((result.progress || 0) * 100) + "%";
    bar.appendChild(filled);
    row.appendChild(bar);
    var value = el("span", "wb-bar-value", figure(result.value, entry));
    value.title = stand.label;
    row.appendChild(value);
    var mark = el("span", "wb-bar-mark", stand.mark);
    mark.setAttribute("aria-label", stand.label);
    row.appendChild(mark);
    return row;
  }

  function renderProgress(data) {
    $("wb-progress-panel").hidden = !data.campaign;
    show("wb-progress", data.progress.map(function (entry) {
      var block = el("article", "wb-target");
      block.appendChild(el("h3", null, entry.text));
      var goal = (entry.direction === "lower_better" ? "≤ " : "≥ ") + figure(entry.target, entry);
      block.appendChild(el("p", "wb-target-goal", entry.metric_name + " · " + fill(labels.target, {target: goal})));
      entry.teams.forEach(function (team) { block.appendChild(progressBar(team.team, team, entry)); });
      return block;
    }), el("p", "wb-empty", labels.noTargets));
  }

  function kudosItem(kudos) {
    var item = el("li", "wb-kudos");
    var who = fill(labels.kudosLine, {giver: kudos.giver, recipients: names.format(kudos.recipients)});
    item.appendChild(el("strong", null, who));
    if (kudos.value) { item.appendChild(el("span", "wb-kudos-value", kudos.value)); }
    item.appendChild(el("span", "wb-kudos-message", kudos.message));
    return item;
  }

  /* The list runs twice in a row, so the scroll wraps around without a gap. */
  /* A strip of items that scrolls sideways, its items twice over, when they do not fit in its window
     (the kudos ticker always scrolls). */
  function fillStrip(list, records, makeItem, always) {
    list.classList.remove("wb-scrolling");
    list.replaceChildren.apply(list, records.map(makeItem));
    if (!always && list.scrollWidth <= list.parentElement.clientWidth) { return; }
    records.map(makeItem).forEach(function (copy) {
      copy.setAttribute("aria-hidden", "true");
      list.appendChild(copy);
    });
    list.classList.add("wb-scrolling");
    list.style.animationDuration = Math.max(20, list.scrollWidth / 2 / TICKER_PX_PER_S) + "s";
  }

  function renderTicker(data) {
    var list = $("wb-ticker");
    var kudos = data.ticker || [];
    if (!kudos.length) {
      list.classList.remove("wb-scrolling");
      list.replaceChildren(emptyItem(labels.noKudos));
      return;
    }
    fillStrip(list, kudos, kudosItem, true);
  }

  function awardKey(award) {
    return [award.name, award.category, award.dimension, award.position, award.published_at].join("|");
  }

  function awardItem(award) {
    var item = el("li", "wb-award");
    var place = award.category === "overall" ? fill(labels.overallPlace, {position: award.position})
      : fill(labels.dimensionPlace, {dimension: award.dimension, position: award.position});
    item.appendChild(el("span", "wb-award-place", place));
    item.appendChild(el("strong", "wb-award-name", award.name));
    if (award.team) { item.appendChild(el("span", "wb-team", award.team)); }
    if (award.citation) { item.appendChild(el("span", "wb-award-citation", award.citation)); }
    return item;
  }

  /* Awards published since the screen first loaded pop up as a banner for a while. */
  function renderAwards(data) {
    var awards = data.awards || [];
    $("wb-awards").hidden = !awards.length;
    fillStrip($("wb-awards-list"), awards, awardItem, false);
    var seen = state.seenAwards;
    var newcomers = seen === null ? [] : awards.filter(function (award) { return !seen[awardKey(award)]; });
    state.seenAwards = seen || {};
    awards.forEach(function (award) { state.seenAwards[awardKey(award)] = true; });
    if (newcomers.length) {
      show("wb-new-award-list", newcomers.map(awardItem), []);
      $("wb-new-award").hidden = false;
      clearTimeout(state.awardTimer);
      state.awardTimer = setTimeout(function () { $("wb-new-award").hidden = true; }, NEW_AWARD_MS);
    }
  }

  /* A panel with more than fits (many teams or targets) shrinks as a whole, so nothing is cut off. */
  function fitPanels() {
    root.querySelectorAll(".wb-panel, .wb-new-award").forEach(function (panel) {
      var size = 100;
      panel.style.fontSize = "";
      while (panel.scrollHeight > panel.clientHeight + 1 && size > SMALLEST_FIT) {
        size -= 5;
        panel.style.fontSize = size + "%";
      }
    });
  }

  function render(data) {
    state.offset = Date.parse(data.generated_at) - Date.now();
    renderHeading(data);
    renderTop(data);
    renderProgress(data);
    renderTicker(data);
    renderAwards(data);
    fitPanels();
  }

  // --- polling --------------------------------------------------------------------------------

  function showStatus(kind) {
    document.body.setAttribute("data-state", kind);
    var time = state.updatedAt ? clock.format(state.updatedAt) : "";
    $("wb-status-text").textContent = kind === "offline" && time ? fill(labels.offline, {time: time})
      : kind === "connecting" || !time ? labels.connecting : fill(labels.updated, {time: time});
  }

  function stampUpdated() {
    state.updatedAt = new Date();
    showStatus("live");
  }

  function gone() {
    document.body.setAttribute("data-state", "gone");
    root.querySelectorAll(".wb-header, .wb-awards, .wb-main, .wb-footer, .wb-new-award").forEach(function (node) {
      node.remove();
    });
    $("wb-gone").hidden = false;
  }

  function poll() {
    var headers = state.etag ? {"If-None-Match": state.etag} : {};
    fetch(root.getAttribute("data-url"), {headers: headers, cache: "no-store", credentials: "omit"})
      .then(function (response) {
        if (response.status === 304) { return stampUpdated(); }
        if (response.status === 404) { return "gone"; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json().then(function (data) {
          render(data);
          state.etag = response.headers.get("ETag");
          stampUpdated();
        });
      })
      .catch(function () { showStatus("offline"); })
      .then(function (outcome) {
        if (outcome === "gone") { gone(); } else { setTimeout(poll, POLL_MS); }
      });
  }

  showStatus("connecting");
  window.addEventListener("resize", fitPanels);
  setInterval(tick, 1000);
  poll();
})();
