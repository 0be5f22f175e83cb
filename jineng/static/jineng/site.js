// Small behaviours of every page, without inline scripts (the Content-Security-Policy
// allows scripts from this site's files only):
//   <button data-print>              prints the page
//   <select data-submit-on-change>   sends its form when another option is chosen
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) {
    field.form.requestSubmit();
  }
});
