/*! Auftakt t.js: consent-first website tracking for Auftakt capture. Before consent it
 * stores nothing and sends nothing; with Do Not Track or Global Privacy Control it never
 * tracks. Wiring, events and adapters: docs/website.md */
(() => {
  'use strict';
  const w = window, d = document, n = navigator, loc = location;
  const COOKIE = 'auftakt_vid';
  const MAX_AGE = 396 * 86400; // 13 months
  const SLUG = /^[a-z0-9][a-z0-9_.:-]{0,49}$/; // capture's rule for activity types
  const WATCHED = /^(tel:|mailto:|whatsapp:|https?:\/\/(wa\.me|api\.whatsapp\.com|web\.whatsapp\.com)\/)/i;
  const DOWNLOAD = /\.(pdf|zip|docx?|xlsx?|pptx?|odt|ods|odp|csv|rtf|epub)$/i;
  const FIELDS = 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]),select,textarea';

  // Every way in (load, listeners, timers, the API) goes through this: our errors never
  // reach the host page.
  const guard = (fn) => function () {
    try {
      return fn.apply(this, arguments);
    } catch (e) {
      return undefined;
    }
  };
  const on = (target, type, fn, capture) => target.addEventListener(type, guard(fn), !!capture);
  const clip = (text) => String(text).slice(0, 2000); // capture's limit for URLs and targets

  const start = () => {
    if (w.auftakt && w.auftakt.loaded) return; // the tag twice on one page
    const me = d.currentScript || d.querySelector('script[src*="/t.js"]');
    const option = (name, fallback) => (me && me.getAttribute('data-' + name)) || fallback;
    const endpoint = option('endpoint', me && me.src ? new URL(me.src, loc.href).origin : loc.origin).replace(/\/+$/, '');
    const activitiesUrl = endpoint + '/v1/activities';
    const leadsUrl = endpoint + '/v1/leads';
    const service = option('consent-service', 'Auftakt').toLowerCase();
    const category = option('consent-category', 'marketing');
    const blocked = n.doNotTrack === '1' || w.doNotTrack === '1' || n.globalPrivacyControl === true;

    let vid = null; // the visitor id: exists only while consent is given
    let pending = []; // not sent yet; before consent these never leave this page's memory
    let timer = 0;
    let last = ''; // the address of the last page view, without its #fragment
    const waiting = []; // auftakt('ready', fn) until there is an id
    const once = new Set(); // video milestones and half-filled forms already recorded

    const storedId = () => {
      const found = /(?:^|;\s*)auftakt_vid=([A-Za-z0-9_-]{8,64})(?:;|$)/.exec(d.cookie);
      return found ? found[1] : null;
    };
    const setCookie = (value, age) => {
      d.cookie = `${COOKIE}=${value}; Path=/; Max-Age=${age}; SameSite=Lax${loc.protocol === 'https:' ? '; Secure' : ''}`;
    };
    const newId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

    const post = (body, retry) => {
      fetch(activitiesUrl, { method: 'POST', body, keepalive: true, credentials: 'omit' })
        .then((answer) => {
          if (answer.status >= 500 || answer.status === 429) throw answer.status;
        })
        .catch(() => {
          if (retry && vid) setTimeout(guard(() => post(body, false)), 2000);
        });
    };
    // text/plain JSON: capture reads it, and the browser sends it without a CORS preflight
    const flush = (leaving) => {
      clearTimeout(timer);
      timer = 0;
      while (vid && pending.length) {
        const body = JSON.stringify(pending.splice(0, 20).map((event) => Object.assign({ visitor_id: vid }, event)));
        if (!(leaving && n.sendBeacon && n.sendBeacon(activitiesUrl, body))) post(body, !leaving);
      }
    };
    const record = (type, fields) => {
      if (blocked) return;
      const event = Object.assign({ type, page_url: clip(loc.href) }, fields);
      if (!vid) {
        if (pending.length < 100) pending.push(event);
      } else if (pending.push(event) >= 20) {
        flush(false);
      } else if (!timer) {
        timer = setTimeout(guard(() => flush(false)), 1000);
      }
    };
    const track = (name, props) => {
      const type = String(name).toLowerCase();
      // a plain object only (capture refuses a whole batch over one odd detail), no NUL
      // or lone surrogate (which capture cannot store)
      const detail = Object.prototype.toString.call(props) === '[object Object]' ? props : {};
      const json = JSON.stringify(detail);
      // capture takes up to 4 KB as Python writes it: non-ASCII escaped, spaces added
      if (SLUG.test(type) && !/\\u0000|\\ud[89a-f]/i.test(json) &&
          json.length + json.replace(/[\x00-\x7f]/g, '').length * 5 <= 2048) {
        record(type, { detail });
      }
    };

    // Forms that post to capture's /v1/leads carry the visitor id, so the visitor's
    // history joins the lead; without consent the field stays empty.
    const fillForms = () => {
      for (const form of d.forms) {
        let target;
        try {
          target = new URL(form.getAttribute('action') || '', loc.href);
        } catch (e) {
          continue;
        }
        if (target.origin + target.pathname !== leadsUrl) continue;
        let input = form.querySelector('input[name="visitor_id"]');
        if (!input && vid) {
          input = d.createElement('input');
          input.type = 'hidden';
          input.name = 'visitor_id';
          form.appendChild(input);
        }
        if (input) input.value = vid || '';
      }
    };

    const consent = (given) => {
      if (given && !blocked) {
        if (vid) return;
        vid = storedId() || newId();
        setCookie(vid, MAX_AGE);
        fillForms();
        waiting.splice(0).forEach((fn) => guard(fn)(vid));
        flush(false);
      } else {
        pending = []; // recorded before a refusal or under withdrawn consent: never sent
        vid = null;
        setCookie('', 0);
        fillForms();
      }
    };

    const api = guard((command, value, props) => {
      if (command === 'consent') consent(value === true);
      else if (command === 'track') track(value, props);
      else if (command === 'ready' && typeof value === 'function') vid ? guard(value)(vid) : waiting.push(value);
      else if (command === 'visitor') return vid;
      return undefined;
    });
    api.loaded = true;
    api.q = { push: (args) => api.apply(null, args) }; // a stub called after we took over

    const pageView = () => {
      const address = loc.href.split('#')[0];
      if (address === last) return;
      record('page_view', { referrer: clip(last || d.referrer) || undefined });
      last = address;
    };
    // Single-page apps: a new path or query is a new page; replaceState only a new path.
    for (const method of ['pushState', 'replaceState']) {
      const original = history[method];
      history[method] = function () {
        const before = loc.pathname;
        const result = original.apply(this, arguments);
        guard(() => (method === 'pushState' || loc.pathname !== before ? pageView() : (last = loc.href.split('#')[0])))();
        return result;
      };
    }
    on(w, 'popstate', pageView);

    on(d, 'click', (e) => {
      const element = e.target instanceof Element ? e.target : null;
      const named = element && element.closest('[data-auftakt-event]');
      if (named) track(named.getAttribute('data-auftakt-event'));
      const link = element && element.closest('a[href]');
      if (link && (WATCHED.test(link.href) || link.hasAttribute('download') || DOWNLOAD.test(link.pathname))) {
        record('click', { target: clip(link.href) });
      }
    }, true);

    // media events do not bubble, but they pass the document while capturing
    const onVideo = (e) => {
      const video = e.target;
      if (!(video instanceof HTMLVideoElement)) return;
      const src = clip(video.currentSrc || video.src);
      const percent = e.type === 'ended' ? 100 : (video.currentTime / video.duration) * 100;
      for (const milestone of [25, 50, 75, 100]) {
        if (src && percent >= milestone && !once.has(src + ' ' + milestone)) {
          once.add(src + ' ' + milestone);
          record('video_progress', { target: src, detail: { percent: milestone } });
        }
      }
    };
    on(d, 'timeupdate', onVideo, true);
    on(d, 'ended', onVideo, true);

    // Half a lead form filled: counts which visible fields are non-empty, never their
    // values. Only forms asking for an e-mail address count (not a calculator, a quiz or
    // a search box), and not the "send me the result" form of a lead magnet (its request
    // is the signal), and only with two fields or more.
    const onInput = (e) => {
      const form = e.target && e.target.form;
      if (!form || once.has(form) || form.matches('[data-auftakt-ignore],[data-auftakt-magnet]') ||
          !form.querySelector('input[type=email],input[name=email]')) return;
      const fields = new Map();
      for (const field of form.elements) {
        if (!field.matches(FIELDS) || field.disabled || !field.getClientRects().length) continue;
        const box = field.type === 'checkbox' || field.type === 'radio';
        const key = box && field.name ? field.name : field;
        fields.set(key, fields.get(key) || (box ? field.checked : field.value.trim() !== ''));
      }
      let filled = 0;
      fields.forEach((isFilled) => isFilled && filled++);
      if (fields.size > 1 && filled * 2 >= fields.size) {
        once.add(form);
        const name = form.getAttribute('id') || form.getAttribute('name') || form.getAttribute('action') || 'form';
        record('form_50_percent_filled', { detail: { form: name.slice(0, 200) } });
      }
    };
    on(d, 'input', onInput, true);
    on(d, 'change', onInput, true);
    on(d, 'submit', () => {
      fillForms();
      flush(true);
    }, true);
    on(d, 'DOMContentLoaded', fillForms);
    on(w, 'pagehide', () => flush(true));
    on(d, 'visibilitychange', () => d.visibilityState === 'hidden' && flush(true));

    // Consent managers. Their events are the decision; what they report when this script
    // starts can only grant, since they may not have read their own storage yet.
    const decide = (given, starting) => {
      if (typeof given === 'boolean' && (given || !starting)) consent(given);
    };
    const byName = (services) => {
      for (const key in services) {
        const s = services[key];
        if (s && String(s.name).toLowerCase() === service) return !!s.consent && (s.consent.given === true || s.consent.status === true);
      }
      return undefined;
    };
    // Usercentrics: v3 UC_CONSENT (services by id), the window event named in the admin
    // (v2: {"<Service>": true}), the v3 __ucCmp and v2 UC_UI APIs
    const usercentrics = (detail, starting) => {
      if (!detail) return;
      let given = detail.services ? byName(detail.services) : undefined;
      for (const key in detail) if (given === undefined && key.toLowerCase() === service) given = detail[key];
      decide(given, starting);
    };
    on(w, 'UC_CONSENT', (e) => usercentrics(e.detail));
    on(w, option('usercentrics-event', 'ucEvent'), (e) => usercentrics(e.detail));
    const usercentricsNow = () => {
      if (w.__ucCmp) w.__ucCmp.getConsentDetails().then(guard((details) => usercentrics(details, true)), () => 0);
      else if (w.UC_UI && w.UC_UI.getServicesBaseInfo) decide(byName(w.UC_UI.getServicesBaseInfo()), true);
    };
    on(w, 'UC_UI_INITIALIZED', usercentricsNow);
    // Cookiebot: a category (default marketing)
    const cookiebot = (starting) => {
      const c = w.Cookiebot;
      // hasResponse: Cookiebot has read its stored decision, a "no" then counts at once
      if (c && c.consent && (c.hasResponse || !starting)) decide(c.consent[category] === true, starting && !c.hasResponse);
    };
    ['CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline'].forEach((type) => on(w, type, () => cookiebot(false)));
    // Borlabs Cookie: 3.x Consents.hasConsent(service id), 2.x checkCookieConsent(cookie id)
    const borlabs = (starting) => {
      const b = w.BorlabsCookie;
      const id = service.replace(/[^a-z0-9_-]/g, '-');
      if (b && b.Consents && b.Consents.hasConsent) decide(b.Consents.hasConsent(id), starting);
      else if (b && b.checkCookieConsent) decide(b.checkCookieConsent(id), starting);
    };
    on(w, 'borlabs-cookie-after-init', () => borlabs(false));
    on(w, 'borlabs-cookie-consent-saved', () => borlabs(false));
    on(d, 'borlabs-cookie-consent-saved', () => borlabs(false));

    vid = blocked ? null : storedId(); // consent given on an earlier page
    if (blocked) setCookie('', 0);
    pageView();
    const queued = (w.auftakt && w.auftakt.q) || [];
    w.auftakt = api;
    for (const args of queued) api.apply(null, args);
    fillForms();
    [usercentricsNow, () => cookiebot(true), () => borlabs(true)].forEach((read) => guard(read)());
  };
  guard(start)();
})();
