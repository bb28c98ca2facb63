/* Cabas — the order page (web/ordering/order.html). The page works without this script: the filter form
   reloads the page filtered, the quantities are checked when saved. With it:
   - the catalogue is filtered as you type (name or producer, accents and case ignored) and on "my basket",
     without reloading, so that quantities typed and not yet saved are kept;
   - after each live preview (htmx), a field whose message is red is marked aria-invalid, and its row too. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function inBasket(row) {
    var input = row.querySelector("input[name^='q-']");
    if (!input) return row.hasAttribute("data-in-basket");
    var value = input.value.trim().replace(",", ".");
    return value !== "" && Number(value) !== 0;
  }

  function applyFilter(form) {
    var page = form.closest(".order-page");
    var words = fold(form.elements.q.value).split(/\s+/).filter(Boolean);
    var basket = form.elements.basket.checked;
    var shown = 0;
    page.querySelectorAll("li.offer").forEach(function (row) {
      var text = fold(row.getAttribute("data-search") || "");
      var show = words.every(function (word) { return text.indexOf(word) !== -1; }) && (!basket || inBasket(row));
      row.hidden = !show;
      if (show) shown += 1;
    });
    page.querySelectorAll("#order-form section").forEach(function (section) {
      section.hidden = !section.querySelector("li.offer:not([hidden])");
    });
    var status = document.getElementById("order-filter-status");
    if (words.length || basket) {
      status.textContent = shown ? status.getAttribute("data-some").replace("__N__", shown) : status.getAttribute("data-none");
    } else {
      status.textContent = "";
    }
    var url = new URL(window.location.href);
    url.searchParams.delete("q");
    url.searchParams.delete("basket");
    if (words.length) url.searchParams.set("q", form.elements.q.value.trim());
    if (basket) url.searchParams.set("basket", "1");
    window.history.replaceState(null, "", url);
  }

  function markFields() {
    document.querySelectorAll(".order-page .field-note[data-field]").forEach(function (note) {
      var input = document.getElementById(note.getAttribute("data-field"));
      if (!input) return;
      if (note.classList.contains("field-error")) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
    document.querySelectorAll(".order-page li.offer").forEach(function (row) {
      row.classList.toggle("has-error", !!row.querySelector("[aria-invalid='true']"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("order-filter");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // filtered here: a reload would lose what is typed and not saved
      applyFilter(form);
    });
    form.elements.q.addEventListener("input", function () { applyFilter(form); });
    form.elements.basket.addEventListener("change", function () { applyFilter(form); });
  });
  document.addEventListener("htmx:afterSettle", markFields);
})();
