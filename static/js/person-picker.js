/* The person picker: a combobox that finds colleagues by name, username, pinyin or initials
   (GET /api/v1/people/search) and keeps the chosen ones as removable chips with hidden inputs.
   Without this script the input is a plain "usernames separated by commas" field. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 180;
  var LIMIT = 8;

  function text(template, value) {
    return template.replace("999", String(value));
  }

  function initPicker(root) {
    var input = root.querySelector("input[name]");
    var listbox = root.querySelector("[role=listbox]");
    var chips = root.querySelector("[data-chips]");
    var status = root.querySelector("[data-picker-status]");
    var fieldName = input.getAttribute("name");
    var searchUrl = root.getAttribute("data-search-url");
    var chosen = [];
    var options = [];
    var active = -1;
    var timer = null;
    var pending = null;

    // The input becomes the search box; the chips' hidden inputs carry the usernames.
    input.removeAttribute("name");
    input.value = "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    var helpNoJs = root.querySelector("[data-help-nojs]");
    var helpJs = document.getElementById(input.id + "-help-js");
    if (helpNoJs && helpJs) {
      helpNoJs.hidden = true;
      helpJs.hidden = false;
      input.setAttribute("aria-describedby",
        (input.getAttribute("aria-describedby") || "").replace(input.id + "-help", helpJs.id));
    }

    function renderChips() {
      chips.textContent = "";
      chips.hidden = chosen.length === 0;
      chosen.forEach(function (person) {
        var item = document.createElement("li");
        item.className = "chip";
        item.setAttribute("data-testid", "picker-chip");
        var label = document.createElement("span");
        label.textContent = person.name;
        label.title = person.username;
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = fieldName;
        hidden.value = person.username;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", input.getAttribute("data-label-remove").replace("__NAME__", person.name));
        remove.addEventListener("click", function () {
          chosen = chosen.filter(function (p) { return p.username !== person.username; });
          renderChips();
          input.focus();
        });
        item.appendChild(label);
        item.appendChild(hidden);
        item.appendChild(remove);
        chips.appendChild(item);
      });
    }

    function close() {
      listbox.hidden = true;
      listbox.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      options = [];
      active = -1;
    }

    function setActive(index) {
      var items = listbox.querySelectorAll("[role=option]");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var person = options[index];
      if (!person) { return; }
      if (!chosen.some(function (p) { return p.username === person.username; })) {
        chosen.push(person);
        renderChips();
      }
      input.value = "";
      close();
      input.focus();
    }

    function show(people) {
      var taken = {};
      chosen.forEach(function (p) { taken[p.username] = true; });
      options = people.filter(function (p) { return !taken[p.username]; });
      listbox.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!options.length) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = input.getAttribute("data-text-no-match");
        listbox.appendChild(empty);
        status.textContent = empty.textContent;
      } else {
        options.forEach(function (person, i) {
          var option = document.createElement("li");
          option.id = listbox.id + "-" + i;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.setAttribute("data-username", person.username);
          var name = document.createElement("strong");
          name.textContent = person.name;
          var detail = document.createElement("small");
          detail.textContent = person.username + (person.team ? " · " + person.team : "");
          option.appendChild(name);
          option.appendChild(document.createTextNode(" "));
          option.appendChild(detail);
          // mousedown, not click: the input keeps its focus.
          option.addEventListener("mousedown", function (event) {
            event.preventDefault();
            choose(i);
          });
          listbox.appendChild(option);
        });
        status.textContent = text(input.getAttribute("data-text-results"), options.length);
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = searchUrl + "?limit=" + LIMIT + "&q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (body) {
          if (input.value.trim() === q) { show(body.items || []); }
        })
        .catch(function (error) { if (error.name !== "AbortError") { close(); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) { setActive(active + 1); } else { search(); }
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); setActive(active - 1); }
      } else if (event.key === "Enter") {
        if (open) {
          event.preventDefault();  // choosing a person, not sending the form
          choose(active >= 0 ? active : 0);
        } else if (input.value.trim()) {
          event.preventDefault();
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && !input.value && chosen.length) {
        chosen.pop();
        renderChips();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });

    try {
      JSON.parse(root.getAttribute("data-chosen") || "[]").forEach(function (pair) {
        chosen.push({ username: pair[0], name: pair[1] });
      });
    } catch (ignored) { /* no chips to restore */ }
    renderChips();
  }

  document.querySelectorAll("[data-person-picker]").forEach(initPicker);
})();
