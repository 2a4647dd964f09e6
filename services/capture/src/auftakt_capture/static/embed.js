/* Auftakt embeds: a lead form, the budget calculator or a quiz, placed where its script
   tag stands (or into an element with data-auftakt-mount="<form id|calculator|quiz id>").
   The markup comes from capture and works without this script; this script checks the
   fields as capture will (same rules, same German words), submits without leaving the
   page and announces errors. No dependencies; it never throws into the host page. */
(function () {
  'use strict';
  if (window.AuftaktEmbed) return;

  var EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{2,63}$/;
  var PHONE = /^\+?[0-9 ()/.\-]{5,50}$/;
  var DOMAIN = /^(?:https?:\/\/)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}\/?$/;

  // capture's words, in its form of address (every embed on a page comes from one capture)
  var said = {};

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  }

  function today() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate());
  }

  /* The German message for what is wrong with a field's value, or null: the rules of
     capture's forms.py, in the words capture hands over. */
  function problem(rule, value, messages) {
    var label = { label: rule.label };
    if (!value) return rule.required ? say(messages.required, label) : null;
    if (rule.maxLength && value.length > rule.maxLength) {
      return say(messages.length, { label: rule.label, max: rule.maxLength });
    }
    if (rule.kind === 'email' && !EMAIL.test(value)) return say(messages.email, label);
    if (rule.kind === 'tel' && !PHONE.test(value)) return say(messages.tel, label);
    if (rule.kind === 'url' && !DOMAIN.test(value)) return say(messages.domain, label);
    if (rule.kind === 'select' && rule.options.indexOf(value) < 0) {
      return say(messages.choice, label);
    }
    if (rule.kind === 'number' && (!/^\d+$/.test(value) || +value < rule.min || +value > rule.max)) {
      return say(messages.number, { label: rule.label, min: thousands(rule.min), max: thousands(rule.max) });
    }
    if (rule.kind === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || isNaN(Date.parse(value))) {
        return say(messages.date, label);
      }
      if (value < today()) return say(messages.past, label);
    }
    return null;
  }

  function mount(config, key) {
    var script = document.currentScript;
    if (config.css && !document.querySelector('link[data-auftakt-css]')) {
      var link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = config.css;
      link.setAttribute('data-auftakt-css', '');
      document.head.appendChild(link);
    }
    var root = document.querySelector('[data-auftakt-mount="' + key + '"]');
    if (!root) {
      root = document.createElement('div');
      if (script && script.parentNode) script.parentNode.insertBefore(root, script);
      else document.body.appendChild(root);
    }
    root.innerHTML = config.html;
    return root;
  }

  function field(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function status(form, text) {
    var box = form.querySelector('.af-status');
    if (!box) return;
    box.textContent = text || '';
    box.hidden = !text;
  }

  function mark(form, name, message) {
    var input = field(form, name);
    var error = input && input.id ? document.getElementById(input.id + '-error') : null;
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (error) {
      error.textContent = message || '';
      error.hidden = !message;
    }
  }

  /* Marks every field's problem; announces how many and focuses the first. */
  function showProblems(form, problems) {
    var names = Object.keys(problems);
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (input) {
      mark(form, input.name, null);
    });
    names.forEach(function (name) { mark(form, name, problems[name]); });
    if (!names.length) {
      status(form, '');
      return;
    }
    var listed = names.map(function (name) { return problems[name]; }).join(' ');
    status(form, (names.length === 1 ? said.check_one :
      say(said.check_many, { count: names.length })) + listed);
    var first = field(form, names[0]);
    if (first && first.focus) first.focus();
  }

  function values(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.disabled || input.type === 'submit') return;
      if (input.type === 'checkbox' || input.type === 'radio') {
        if (input.checked) data[input.name] = input.value;
        return;
      }
      if (input.value !== '') data[input.name] = input.value.trim();
    });
    var visitor = typeof window.auftakt === 'function' ? window.auftakt('visitor') : null;
    if (typeof visitor === 'string' && visitor) data.visitor_id = visitor;
    return data;
  }

  function post(url, data) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(data),
      credentials: 'omit'
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function serverProblems(body) {
    var problems = {};
    (body.errors || []).forEach(function (error) {
      var name = String(error.field || 'body').split('.')[0];
      if (!problems[name]) problems[name] = error.msg;
    });
    return problems;
  }

  function track(name, detail) {
    try {
      if (typeof window.auftakt === 'function') window.auftakt('track', name, detail);
    } catch (ignored) { /* the host page's tracking is not ours to break */ }
  }

  /* A lead form: checked here, sent as JSON; on success the thank-you page or, in
     place, the form's success text. Without this script the form posts as it is. */
  function leadForm(form, config, rules, done) {
    var busy = false;
    rules.forEach(function (rule) {
      var input = field(form, rule.name);
      if (!input) return;
      input.addEventListener('blur', function () {
        if (input.value) mark(form, rule.name, problem(rule, input.value.trim(), config.messages));
      });
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) return;
      try {
        var data = values(form);
        var problems = {};
        rules.forEach(function (rule) {
          var message = problem(rule, data[rule.name] || '', config.messages);
          if (message) problems[rule.name] = message;
        });
        showProblems(form, problems);
        if (Object.keys(problems).length) return;
        busy = true;
        var button = form.querySelector('.af-submit');
        if (button) button.disabled = true;
        post(config.endpoint + '/v1/leads', data).then(function (answer) {
          busy = false;
          if (button) button.disabled = false;
          if (answer.status === 201) {
            done(form);
            return;
          }
          if (answer.status === 422) showProblems(form, serverProblems(answer.body));
          else status(form, said.failed);
        }, function () {
          busy = false;
          if (button) button.disabled = false;
          status(form, said.failed);
        });
      } catch (error) {
        busy = false;
        HTMLFormElement.prototype.submit.call(form); // the plain form still works
      }
    });
  }

  function thank(form, text, thankYouUrl) {
    if (thankYouUrl) {
      window.location.href = thankYouUrl;
      return;
    }
    var message = document.createElement('p');
    message.className = 'af-success';
    message.setAttribute('role', 'status');
    message.textContent = text;
    form.parentNode.replaceChild(message, form);
  }

  function magnetForm(root, config) {
    var form = root.querySelector('form[data-auftakt-magnet]');
    if (!form) return;
    leadForm(form, config, config.leadRules, function (sent) { thank(sent, said.result_sent, null); });
  }

  /* The answer in place; `tracked` is recorded once (capture keeps one use per visitor
     and magnet, so a second click would not count anyway), `done` runs after. */
  function showResult(form, config, url, data, tracked, detail, done) {
    var result = form.parentNode.querySelector('.af-result');
    post(url, data).then(function (answer) {
      if (answer.status !== 200) {
        if (answer.status === 422) showProblems(form, serverProblems(answer.body));
        else status(form, said.failed);
        return;
      }
      status(form, '');
      result.innerHTML = answer.body.html;
      magnetForm(result, config);
      track(tracked, detail);
      if (done) done();
    }, function () { status(form, said.failed); });
  }

  function guard(run) {
    return function (config) {
      try { run(config); } catch (error) { /* the host page keeps working */ }
    };
  }

  window.AuftaktEmbed = {
    form: guard(function (config) {
      said = config.messages;
      var root = mount(config, config.html.match(/data-auftakt-form-id="([^"]+)"/)[1]);
      var form = root.querySelector('form');
      leadForm(form, config, config.rules, function (sent) {
        thank(sent, config.success, config.thankYouUrl);
      });
    }),

    calculator: guard(function (config) {
      said = config.messages;
      var form = mount(config, 'calculator').querySelector('form');
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var guests = field(form, 'guests').value.trim();
        var rule = { name: 'guests', label: 'Anzahl Gäste', kind: 'number', required: true,
          min: 1, max: +field(form, 'guests').max || 5000, options: [] };
        var message = problem(rule, guests, config.messages);
        showProblems(form, message ? { guests: message } : {});
        if (message) return;
        var inputs = {
          event_type: field(form, 'event_type').value,
          guests: +guests,
          hours: +field(form, 'hours').value,
          band_format: field(form, 'band_format').value
        };
        showResult(form, config, config.endpoint + '/v1/calculator/quote', inputs,
          'budget_calculator_used', inputs);
      });
    }),

    quiz: guard(function (config) {
      said = config.messages;
      var form = mount(config, config.quizId).querySelector('form');
      var questions = form.querySelectorAll('fieldset[data-question]');
      var button = form.querySelector('.af-submit');
      var current = 0;
      function show(index) {
        Array.prototype.forEach.call(questions, function (question, i) { question.hidden = i !== index; });
        button.textContent = index < questions.length - 1 ? 'Weiter' : 'Empfehlung anzeigen';
        var first = questions[index].querySelector('input');
        if (index && first) first.focus();
      }
      show(0);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var question = questions[current];
        if (!question.querySelector('input:checked')) {
          status(form, said.pick_answer);
          return;
        }
        status(form, '');
        if (current < questions.length - 1) {
          show(++current);
          return;
        }
        var answers = {};
        Array.prototype.forEach.call(questions, function (q) {
          answers[q.getAttribute('data-question')] = q.querySelector('input:checked').value;
        });
        showResult(form, config, config.endpoint + '/v1/quiz/' + config.quizId + '/result',
          { answers: answers }, 'quiz_completed', { quiz_id: config.quizId, answers: answers },
          function () {
            // the quiz is done: its buttons no longer answer (the result stays below)
            Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
            button.hidden = true;
          });
      });
    })
  };
})();
