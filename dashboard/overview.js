// The overview's filters: by pillar, by status group, and by name in any of the
// three languages. Without this script the whole table shows (the form stays hidden).
(function () {
  var form = document.querySelector("form.filters");
  var rows = document.querySelectorAll("table.scorecard tbody tr");
  if (!form || !rows.length) return;
  form.hidden = false;
  function apply() {
    var pillar = form.elements.pillar.value;
    var status = form.elements.status.value;
    var q = form.elements.q.value.trim().toLowerCase();
    rows.forEach(function (row) {
      var show = (!pillar || row.dataset.pillar === pillar) &&
        (!status || row.dataset.group === status) &&
        (!q || row.dataset.search.indexOf(q) !== -1);
      row.hidden = !show;
    });
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();
