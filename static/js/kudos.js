/* Kudos pages: the giving form's live budget and message length, and the feed's "Load more". */
(function () {
  "use strict";

  function text(template, value) {
    return template.replace("999", String(value));
  }

  function initGiveForm(form) {
    var budget = form.querySelector("[data-budget]");
    var points = form.querySelector("input[name=points]");
    var after = form.querySelector("[data-budget-after]");
    var team = form.querySelector("select[name=team]");
    var message = form.querySelector("textarea[name=message]");
    var count = form.querySelector("[data-message-count]");
    var left = parseInt(budget.getAttribute("data-budget-left"), 10) || 0;

    function recipients() {
      if (team && team.value) { return 0; }  // a team's size is known on sending
      return form.querySelectorAll("[data-chips] input[type=hidden]").length;
    }

    function updateBudget() {
      var wanted = parseInt(points.value, 10);
      if (!points.value || isNaN(wanted) || wanted <= 0) {
        after.hidden = true;
        budget.classList.remove("over-budget");
        return;
      }
      var people = recipients();
      var each = people > 1 ? Math.floor(wanted / people) : wanted;
      var cost = people > 1 ? each * people : wanted;
      var parts = [];
      if (cost > left) {
        parts.push(text(after.getAttribute("data-text-over"), cost - left));
      } else {
        parts.push(text(after.getAttribute("data-text-after"), left - cost));
      }
      if (people > 1) { parts.push(text(after.getAttribute("data-text-each"), each)); }
      after.textContent = parts.join(" ");
      after.hidden = false;
      budget.classList.toggle("over-budget", cost > left);
    }

    function updateCount() {
      var minimum = parseInt(message.getAttribute("data-min-length"), 10) || 0;
      var length = Array.from(message.value.trim()).length;
      count.hidden = length === 0;
      count.textContent = length < minimum ? text(count.getAttribute("data-text-short"), minimum - length)
        : count.getAttribute("data-text-ok");
      count.classList.toggle("too-short", length < minimum);
    }

    points.addEventListener("input", updateBudget);
    if (team) { team.addEventListener("change", updateBudget); }
    new MutationObserver(updateBudget).observe(form.querySelector("[data-chips]") || form, { childList: true });
    message.addEventListener("input", updateCount);
    updateBudget();
    if (message.value) { updateCount(); }
  }

  function initLoadMore(feed) {
    feed.addEventListener("click", function (event) {
      var link = event.target.closest("[data-load-more]");
      if (!link) { return; }
      event.preventDefault();
      link.setAttribute("aria-busy", "true");
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("fragment", "1");
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          var box = link.closest("[data-load-more-box]");
          var template = document.createElement("template");
          template.innerHTML = html;
          var first = template.content.querySelector("article");
          box.replaceWith(template.content);
          if (first) {
            first.setAttribute("tabindex", "-1");
            first.focus({ preventScroll: true });
          }
        })
        .catch(function () { window.location.href = link.href; });
    });
  }

  document.querySelectorAll("[data-give-form]").forEach(initGiveForm);
  document.querySelectorAll("#feed-items").forEach(initLoadMore);
})();
