/* One call or knock as the outbox keeps it, read from a page form's fields. Shared by the page
   (field-1.js, at the moment of entry) and the service worker (a form sent before the page's
   scripts had loaded, with no signal to send it): both put the same item in the outbox. */
(function (scope) {
  "use strict";
  var NUMBERS = ["voter", "household", "phone", "gathering"];
  var PERSON_FIELDS = ["party_id", "know_them", "do_not_contact", "phone", "email"];

  // An attempt from a form's fields (FormData), as the outbox keeps it and the sync API reads it.
  function fromForm(data, uuid) {
    var parts = String(data.get("result") || "").split(":");
    var result = parts[0];
    var subject = parts[1] || "";
    var item = { uuid: uuid, device_time: new Date().toISOString(), channel: data.get("channel"), result: result };
    NUMBERS.forEach(function (name) {
      if (name !== "gathering" && data.get(name)) item[name] = Number(data.get(name));
    });
    var note = String(data.get("note") || "").trim();
    if (note) item.note = note;
    var talked = result === "talked";
    if (talked && data.get("rsvp") && data.get("gathering")) {
      item.invite = { gathering: Number(data.get("gathering")), rsvp: data.get("rsvp") };
    }
    var people = {};
    data.forEach(function (value, key) {
      var match = key.match(/^people-(\d+)-(\w+)$/);
      if (!match || value === "") return;
      (people[match[1]] = people[match[1]] || {})[match[2]] = value;
    });
    item.people = Object.keys(people).sort(function (a, b) { return a - b; }).map(function (index) {
      var raw = people[index];
      var person = { voter: Number(raw.voter) };
      if (talked && raw.party_id) person.party_id = Number(raw.party_id);
      if (raw.know_them) person.know_them = true;
      if (raw.do_not_contact) person.do_not_contact = true;
      if (raw.phone) person.phone = raw.phone;
      if (raw.email) person.email = raw.email;
      return person;
    }).filter(function (person) {
      var said = PERSON_FIELDS.some(function (name) { return person[name] !== undefined; });
      return said || String(person.voter) === subject;
    });
    return item;
  }

  scope.NLAttempt = { fromForm: fromForm };
})(self);

