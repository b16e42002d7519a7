/*
 * Content-Security-Policy companion: the policy forbids inline event handlers (onclick=""), so
 * our templates (and the Oscar templates we override for this) say data-csp-action="print|back|
 * close" or data-csp-href="URL" instead, wired here as listeners. The few Oscar templates we do
 * not override (wishlist form, product-class form, attribute-option-group delete popup, 500 page)
 * keep a simple onclick; the browser refuses it (and reports it), and the same behaviour is wired
 * here from its known text so the button still works.
 */
(function () {
    "use strict";

    var actions = {
        print: function () { window.print(); },
        back: function () { window.history.go(-1); },
        close: function () { window.close(); }
    };

    function actionFor(code) {
        var text = (code || "").replace(/\s+/g, "");
        if (/^(javascript:)?(window\.)?history\.go\(-1\);?(returnfalse;?)?$/.test(text)) {
            return actions.back;
        }
        if (/^window\.print\(\);?(returnfalse;?)?$/.test(text)) {
            return actions.print;
        }
        if (/^window\.close\(\);?(returnfalse;?)?$/.test(text)) {
            return actions.close;
        }
        var match = /^window\.location\.href='([^']*)';?$/.exec(text);
        if (match) {
            var url = match[1];
            return function () { window.location.href = url; };
        }
        return null;
    }

    function wire(root) {
        var elements = root.querySelectorAll("[onclick], [data-csp-action], [data-csp-href]");
        Array.prototype.forEach.call(elements, function (element) {
            var action;
            if (element.hasAttribute("data-csp-href")) {
                var href = element.getAttribute("data-csp-href");
                action = function () { window.location.href = href; };
            } else if (element.hasAttribute("data-csp-action")) {
                action = actions[element.getAttribute("data-csp-action")];
            } else {
                action = actionFor(element.getAttribute("onclick"));
            }
            if (!action) {
                return;
            }
            element.removeAttribute("onclick");
            element.removeAttribute("data-csp-action");
            element.addEventListener("click", function (event) {
                event.preventDefault();
                action();
            });
        });
    }

    // Oscar's image widget: hide the upload button once a chosen image previews, show it again
    // (with Oscar's message) when the file is not an image.
    function wireImages(root) {
        var images = root.querySelectorAll("img[data-csp-upload-button]");
        Array.prototype.forEach.call(images, function (image) {
            var button = function () {
                return document.querySelector(image.getAttribute("data-csp-upload-button"));
            };
            image.addEventListener("load", function () {
                if (button()) { button().style.display = "none"; }
            });
            image.addEventListener("error", function () {
                if (button()) { button().style.display = ""; }
                window.alert(image.getAttribute("data-csp-image-error"));
            });
        });
    }

    function wireAll(root) {
        wire(root);
        wireImages(root);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { wireAll(document); });
    } else {
        wireAll(document);
    }
})();
