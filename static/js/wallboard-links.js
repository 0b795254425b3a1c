/* The wallboard links page: copy a new link (the Clipboard API needs HTTPS; plain HTTP falls back to a
   selected field and the copy command). */
(function () {
  "use strict";

  function copyFallback(input) {
    input.focus();
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value).catch(function () { return copyFallback(input); });
    }
    return copyFallback(input);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      var status = document.querySelector("[data-copy-status]");
      copy(input).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      }, function () {
        input.focus();
        input.select();  // the person copies it by hand
      });
    });
  });
})();
