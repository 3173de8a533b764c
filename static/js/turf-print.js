// Paper sheets: the Print button opens the browser's print dialog (no inline handlers under the CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
