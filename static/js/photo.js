// Receipt photos: a phone's camera makes photos of several MB, more than Relais accepts.
// When one is chosen, it is redrawn at most 2000 px a side as a JPEG before it is sent.
// Without this script (or without canvas support) the photo is sent as it is, and a
// photo that is too large gets a clear message from the server.
(function () {
  "use strict";
  var LONGEST_SIDE = 2000;

  function shrink(input) {
    var limit = Number(input.dataset.shrink);
    var file = input.files && input.files[0];
    if (!file || !limit || file.size <= limit || !window.createImageBitmap || !window.DataTransfer) {
      return;
    }
    input.setAttribute("aria-busy", "true");
    createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        input.removeAttribute("aria-busy");
        if (!blob || blob.size > limit) { return; }
        var files = new DataTransfer();
        files.items.add(new File([blob], "receipt.jpg", { type: "image/jpeg" }));
        input.files = files.files;
      }, "image/jpeg", 0.82);
    }).catch(function () { input.removeAttribute("aria-busy"); });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-shrink]")) {
      shrink(event.target);
    }
  });
})();
