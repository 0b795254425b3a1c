/* The campaign editor: "Add requirement" / "Add dimension" copy a blank row from its <template>, "Remove"
   takes a row out, and a dimension shows only the fields of its source. Without this script the same
   buttons post the form and the server shows it again with a row more or less. */
(function () {
  "use strict";

  var NAMED = ["name", "id", "for", "value", "aria-describedby"];

  function nextIndex(list) {
    var highest = -1;
    list.querySelectorAll("[name]").forEach(function (input) {
      var match = /^[a-z_]+-(\d+)-/.exec(input.getAttribute("name"));
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    return highest + 1;
  }

  function numbered(template, index) {
    var row = template.content.firstElementChild.cloneNode(true);
    [row].concat(Array.from(row.querySelectorAll("*"))).forEach(function (element) {
      NAMED.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && value.indexOf("__index__") !== -1) {
          element.setAttribute(attribute, value.split("__index__").join(String(index)));
        }
      });
    });
    return row;
  }

  function showSource(row) {
    var kind = row.querySelector("select[name$='-kind']");
    if (!kind) { return; }
    row.querySelectorAll("[data-source-for]").forEach(function (part) {
      part.hidden = part.getAttribute("data-source-for") !== kind.value;
    });
  }

  function addRow(form, name) {
    var list = form.querySelector("[data-rows='" + name + "']");
    var template = form.querySelector("template[data-row-template='" + name + "']");
    var row = numbered(template, nextIndex(list));
    list.appendChild(row);
    showSource(row);
    var first = row.querySelector("input:not([type=hidden]), textarea, select");
    if (first) { first.focus(); }
  }

  function removeRow(button) {
    var row = button.closest("[data-row]");
    var list = row.parentElement;
    var add = list.parentElement.querySelector("[data-add-row='" + list.getAttribute("data-rows") + "']");
    row.remove();
    if (add) { add.focus(); }
  }

  function init(form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      if (add) {
        event.preventDefault();
        addRow(form, add.getAttribute("data-add-row"));
      } else if (remove) {
        event.preventDefault();
        removeRow(remove);
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("select[name$='-kind']")) { showSource(event.target.closest("[data-row]")); }
    });
    form.querySelectorAll("[data-rows] [data-row]").forEach(showSource);
  }

  document.querySelectorAll("form[data-campaign-editor]").forEach(init);
})();
