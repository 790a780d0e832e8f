// Reads iCalendar files with ical.js and prints what it understood as JSON,
// one object per file, so Go tests can compare it with what they wrote.
// Usage: node read.mjs FILE...
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function time(t) {
  return t ? t.toJSDate().toISOString() : null;
}

const out = process.argv.slice(2).map((file) => {
  const text = readFileSync(file, "utf8");
  const cal = new ICAL.Component(ICAL.parse(text));
  const events = cal.getAllSubcomponents("vevent").map((vevent) => {
    const ev = new ICAL.Event(vevent);
    const org = vevent.getFirstProperty("organizer");
    return {
      uid: ev.uid,
      sequence: ev.sequence,
      start: time(ev.startDate),
      end: time(ev.endDate),
      start_is_utc: ev.startDate ? ev.startDate.zone === ICAL.Timezone.utcTimezone : false,
      stamp: time(vevent.getFirstPropertyValue("dtstamp")),
      summary: ev.summary,
      description: ev.description,
      location: ev.location,
      url: vevent.getFirstPropertyValue("url"),
      status: vevent.getFirstPropertyValue("status"),
      teams_url: vevent.getFirstPropertyValue("x-microsoft-skypeteamsmeetingurl"),
      conf_link: vevent.getFirstPropertyValue("x-microsoft-onlinemeetingconflink"),
      organizer: org ? { value: org.getFirstValue(), cn: org.getParameter("cn") } : null,
      attendees: vevent.getAllProperties("attendee").map((p) => ({
        value: p.getFirstValue(),
        cn: p.getParameter("cn"),
        rsvp: p.getParameter("rsvp"),
        partstat: p.getParameter("partstat"),
      })),
    };
  });
  return {
    file,
    method: cal.getFirstPropertyValue("method"),
    version: cal.getFirstPropertyValue("version"),
    prodid: cal.getFirstPropertyValue("prodid"),
    events,
  };
});
process.stdout.write(JSON.stringify(out));
