// Ask the browser for the phone's location once, then submit the check-in form.
// Without geolocation (refused, unavailable, slow) the form is submitted without it.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("check-in-form");
  if (!form || !script) { return; }
  var status = document.getElementById("location-status");
  var sent = false;

  function say(key) { status.textContent = script.dataset[key] || ""; }

  function submit() {
    if (sent) { return; }
    sent = true;
    form.submit();
  }

  function locate(event) {
    if (event) { event.preventDefault(); }
    if (sent) { return; }
    if (!("geolocation" in navigator)) { say("none"); submit(); return; }
    say("asking");
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy.value = Math.round(position.coords.accuracy);
      say("found");
      submit();
    }, function () {
      say("none");
      submit();
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  form.addEventListener("submit", locate);
})();
