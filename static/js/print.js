// "Print this programme": a script file rather than an onclick, which the Content-Security-Policy
// would refuse to run.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
