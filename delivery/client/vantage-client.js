/*! Vantage client tier (vantage-client/1): personalizes the slots a static or cached page left at
 * their baseline, with what only the browser knows (the cart). Include it on a storefront page:
 *
 *   <script src="https://decide.shop.example/vantage-client.js"
 *           data-endpoint="https://decide.shop.example" data-timeout="300" defer></script>
 *
 * It reads the page's `section[data-vantage-client]` slots, asks `POST {endpoint}/decide` with the
 * facts the page gives (`window.vantageFacts`, or `Vantage.personalize(facts)` after a change such
 * as adding to the cart) and swaps in each slot's section. On any failure, or after the timeout
 * (300 ms unless set), the baseline stays in place and nothing is shown to the visitor.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var endpoint = ((script && script.dataset.endpoint) || '').replace(/\/+$/, '');
  var timeoutMs = Number(script && script.dataset.timeout) > 0 ? Number(script.dataset.timeout) : 300;
  var latest = 0;

  function marked() {
    return Array.prototype.slice.call(document.querySelectorAll('section[data-vantage-client][data-slot]'));
  }

  function pageOf(slots) {
    var main = document.querySelector('main[data-page]');
    return (main && main.getAttribute('data-page')) || (slots[0] && slots[0].getAttribute('data-page')) || '';
  }

  /** One section element from the service's HTML, or null when it is not one. */
  function sectionFrom(html) {
    var template = document.createElement('template');
    template.innerHTML = html;
    var node = template.content.firstElementChild;
    return node && node.tagName === 'SECTION' && template.content.childElementCount === 1 ? node : null;
  }

  function patch(slots, sections) {
    slots.forEach(function (slot) {
      var id = slot.getAttribute('data-slot');
      var html = sections && Object.prototype.hasOwnProperty.call(sections, id) ? sections[id] : null;
      var next = typeof html === 'string' ? sectionFrom(html) : null;
      if (!next || next.getAttribute('data-slot') !== id) return;
      next.setAttribute('data-vantage-client', '');
      slot.replaceWith(next);
    });
  }

  /** Asks for the marked slots' decisions with `facts`; resolves to whether they were patched. */
  function personalize(facts) {
    var slots = marked();
    var page = pageOf(slots);
    if (!slots.length || !page || typeof fetch !== 'function') return Promise.resolve(false);
    var ticket = ++latest;
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
    }, timeoutMs);
    var body = JSON.stringify({ page: page, facts: facts || window.vantageFacts || {}, sections: true });
    return fetch(endpoint + '/decide', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: body,
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error('decide answered ' + response.status);
        return response.json();
      })
      .then(function (answer) {
        // An older answer arriving after a newer question is dropped.
        if (ticket !== latest) return false;
        patch(marked(), answer && answer.sections);
        document.documentElement.setAttribute('data-vantage', 'personalized');
        return true;
      })
      .catch(function () {
        if (ticket === latest) document.documentElement.setAttribute('data-vantage', 'baseline');
        return false;
      })
      .finally(function () {
        clearTimeout(timer);
      });
  }

  window.Vantage = { personalize: personalize };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () {
      personalize();
    });
  } else {
    personalize();
  }
})();
