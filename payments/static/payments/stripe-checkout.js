/*
 * Card entry with Stripe's Payment Element (Stripe.js v3, loaded from js.stripe.com by the
 * payment-details page only when STRIPE_PUBLISHABLE_KEY is set).
 *
 * The card never touches our server: on "Continue" Stripe.js turns it into a PaymentMethod and
 * this script puts its id (pm_...) in the form's hidden "payment_method" input, which the
 * checkout's TokenForm reads and payment_authorize sends to Stripe. The PaymentIntent itself is
 * created and confirmed on our server (manual capture), so the element runs in Stripe's
 * "deferred intent" mode with manual payment-method creation.
 */
(function () {
  "use strict";

  var container = document.getElementById("payment-element");
  if (!container || typeof window.Stripe !== "function") {
    return;
  }
  var form = container.closest("form");
  var input = form.querySelector('input[name="payment_method"]');
  var errors = document.getElementById("payment-element-errors");
  // A PaymentMethod is single-use: never re-send one left in the page after an error.
  input.value = "";

  var stripe = window.Stripe(container.dataset.publishableKey);
  // data-amount-minor is in our minor units, which are Stripe's for every currency the adapter
  // charges (payments/gateways/stripe/currencies.py); the amount charged is set by our server.
  var elements = stripe.elements({
    mode: "payment",
    amount: parseInt(container.dataset.amountMinor, 10),
    currency: container.dataset.currency,
    captureMethod: "manual",
    paymentMethodCreation: "manual",
    paymentMethodTypes: ["card"],
  });
  elements.create("payment").mount(container);

  function fail(message) {
    errors.textContent = message;
    form.querySelectorAll('[type="submit"]').forEach(function (button) {
      button.disabled = false;
    });
  }

  form.addEventListener("submit", async function (event) {
    if (input.value) {
      return;
    }
    event.preventDefault();
    errors.textContent = "";
    form.querySelectorAll('[type="submit"]').forEach(function (button) {
      button.disabled = true;
    });
    var submitted = await elements.submit();
    if (submitted.error) {
      fail(submitted.error.message);
      return;
    }
    var created = await stripe.createPaymentMethod({ elements: elements });
    if (created.error) {
      fail(created.error.message);
      return;
    }
    input.value = created.paymentMethod.id;
    form.submit();
  });
})();
