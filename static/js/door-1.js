/* The door page: every check-in, walk-in and answer goes into the field app's outbox first (so it
   works without a connection and is sent exactly once, by its UUID), shows on the page at once,
   and field-1.js sends it to the door's sync URL. */
(function () {
  "use strict";
  var page = document.querySelector("[data-door-page]");
  var bar = document.querySelector("[data-outbox]");
  if (!page || !bar || !window.NLOutbox || !window.NLField) return;
  var user = bar.dataset.user;
  var url = page.dataset.syncUrl;
  var gathering = Number(page.dataset.gathering);
  var walkIns = page.querySelector("[data-door-walk-ins]");
  var rowTemplate = page.querySelector("template[data-walk-in-row]");

  function itemFromForm(form, submitter) {
    var data = new FormData(form, submitter);
    var kind = data.get("kind");
    var item = { uuid: NLField.newUuid(), kind: kind, gathering: gathering, device_time: new Date().toISOString() };
    if (kind === "check_in") item.invitation = Number(data.get("invitation"));
    if (kind === "ask") {
      item.attendee = data.get("attendee");
      item.answer = data.get("answer");
      item.email = String(data.get("email") || "").trim();
    }
    if (kind === "walk_in") {
      ["name", "address", "zip_code", "phone"].forEach(function (key) { item[key] = String(data.get(key) || "").trim(); });
    }
    return item;
  }

  // The server checks again; this only spares the host a walk-in the server would refuse later.
  function walkInProblem(item) {
    if (!/[A-Za-z]/.test(item.name)) return "Enter the person's name.";
    var phoneDigits = item.phone.replace(/\D/g, "").replace(/^1(\d{10})$/, "$1");
    var address = /\d/.test(item.address) && /[A-Za-z]{2}/.test(item.address);
    if (!address && phoneDigits.length !== 10) {
      return "Add their street address (house number and street) or a phone number.";
    }
    return "";
  }

  function showAsk(row, attendee) {
    var form = row.querySelector("form[data-door=ask]");
    form.querySelector("[data-attendee-input]").value = attendee;
    form.hidden = false;
    bind(form);
  }

  function show(item) {
    var row;
    if (item.kind === "check_in") {
      row = page.querySelector('[data-invitation="' + item.invitation + '"]');
      if (!row || row.dataset.attendee) return;
      row.dataset.attendee = item.uuid;
      row.classList.add("done");
      row.querySelector("[data-state]").textContent = "Here";
      var checkIn = row.querySelector("form[data-door=check_in]");
      if (checkIn) checkIn.hidden = true;
      showAsk(row, item.uuid);
    } else if (item.kind === "walk_in") {
      if (page.querySelector('[data-attendee="' + item.uuid + '"]')) return;
      row = rowTemplate.content.firstElementChild.cloneNode(true);
      row.dataset.attendee = item.uuid;
      row.querySelector("[data-name-slot]").textContent = item.name;
      walkIns.appendChild(row);
      showAsk(row, item.uuid);
    } else if (item.kind === "ask") {
      row = page.querySelector('[data-attendee="' + item.attendee + '"]');
      if (!row) return;
      row.querySelectorAll("form[data-door=ask] button").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.value === item.answer));
      });
    }
  }

  function bind(form) {
    if (form.dataset.bound) return;
    form.dataset.bound = "1";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = itemFromForm(form, event.submitter);
      var error = form.querySelector("[data-door-error]");
      if (item.kind === "walk_in") {
        var problem = walkInProblem(item);
        error.textContent = problem;
        error.hidden = !problem;
        if (problem) return;
      }
      NLOutbox.add(user, item, url).then(function () {
        show(item);
        if (item.kind === "walk_in") form.reset();
        return NLField.sync();
      }).catch(function (failure) {
        window.alert("This phone could not save it: " + failure);
      });
    });
  }

  page.querySelectorAll("form[data-door]").forEach(bind);

  // A page kept on the phone was drawn before the taps still waiting in the outbox: show them.
  NLOutbox.pending(user).then(function (records) {
    records.forEach(function (record) {
      if (record.url === url && record.item.gathering === gathering) show(record.item);
    });
  });

  // Search as the host types, on the phone: it works without a connection too.
  var search = page.querySelector("[data-door-search]");
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      page.querySelectorAll("[data-door-invited] > li[data-name]").forEach(function (row) {
        var names = row.dataset.name.split(/\s+/);
        row.hidden = !words.every(function (word) {
          return names.some(function (name) { return name.indexOf(word) === 0; });
        });
      });
    });
  }
})();
