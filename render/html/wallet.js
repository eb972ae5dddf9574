// The language switch works by CSS alone; this keeps the page's lang
// attribute in step, for screen readers and hyphenation.
document.querySelectorAll('input[name="lang"]').forEach(function (r) {
  r.addEventListener('change', function () { document.documentElement.lang = r.value; });
});
