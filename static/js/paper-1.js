/* Paper entry: after a valid one-key code, move to the next field, so a sheet is typed without Tab. */
(function () {
  "use strict";
  var VALID = /^[1-5RMDrmd]$/;
  document.querySelectorAll(".paper-table .id-input").forEach(function (input) {
    input.addEventListener("input", function () {
      if (!VALID.test(input.value)) return;
      input.value = input.value.toUpperCase();
      var fields = Array.prototype.slice.call(input.form.querySelectorAll("select, .id-input, button[type=submit]"));
      var next = fields[fields.indexOf(input) + 1];
      if (next) next.focus();
    });
  });
})();
