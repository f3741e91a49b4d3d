// Files chosen in a form: checked against what the question accepts and the server's size limit
// before they are kept, photos scaled down first.
// @ts-check
import { showFieldError, text } from "./drafts-dom.js";
import { putFiles } from "./drafts-fields.js";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const DEFAULT_MAX_IMAGE_PX = 2000;

/**
 * Whether the input's `accept` admits the file (by extension or by type).
 * @param {HTMLInputElement} input
 * @param {File} file
 */
function accepts(input, file) {
  const accepted = (input.accept || "").split(",").map((item) => item.trim().toLowerCase()).filter(Boolean);
  if (!accepted.length) return true;
  const name = file.name.toLowerCase();
  const type = (file.type || "").toLowerCase();
  return accepted.some((rule) => (rule.startsWith(".") ? name.endsWith(rule)
    : rule.endsWith("/*") ? type.startsWith(rule.slice(0, -1)) : type === rule));
}

/** @param {number} bytes */
function megabytes(bytes) {
  return (bytes / 1048576).toLocaleString(document.documentElement.lang || "de", { maximumFractionDigits: 1 });
}

/**
 * A limit from the server's settings, on the input or on the question or form around it.
 * @param {HTMLInputElement} input
 * @param {string} name  in camelCase, as in `dataset`
 */
function limitOf(input, name) {
  const attribute = `data-${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  return Number(input.closest(`[${attribute}]`)?.getAttribute(attribute) || 0);
}

/** @param {HTMLInputElement} input */
const maxBytesOf = (input) => limitOf(input, "maxBytes");

/**
 * What is wrong with the file before it is prepared (an image may still shrink), or null.
 * @param {HTMLInputElement} input
 * @param {File} file
 */
function fileProblem(input, file) {
  if (!accepts(input, file)) return text("file-type", { name: file.name });
  const maxBytes = maxBytesOf(input);
  if (maxBytes && file.size > maxBytes && !IMAGE_TYPES.includes(file.type)) {
    return text("file-size", { name: file.name, mb: megabytes(maxBytes) });
  }
  return null;
}

/**
 * Photos from a phone camera are many megabytes; the office needs far less.
 * @param {File} file
 * @param {number} maxPixels  of the longer side
 * @returns {Promise<File>}
 */
async function downscale(file, maxPixels) {
  if (!IMAGE_TYPES.includes(file.type)) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // not readable as an image here: the server checks it by its content
  }
  const scale = Math.min(1, maxPixels / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.type !== "image/png") return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d");
  if (!context) {
    bitmap.close();
    return file; // no canvas to draw on: the server scales it
  }
  context.fillStyle = "#fff"; // JPEG has no transparency: white, as on paper
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  /** @type {Blob | null} */
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob || (scale === 1 && blob.size >= file.size)) return file;
  return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
}

/**
 * The input's files as they will be sent (photos scaled down, put back into the input), or null
 * after showing what is wrong with them (the input is emptied).
 * @param {HTMLInputElement} input  an input[type=file]
 * @returns {Promise<File[] | null>}
 */
export async function prepareFiles(input) {
  const files = [...(input.files ?? [])];
  const problem = files.map((file) => fileProblem(input, file)).find(Boolean);
  showFieldError(input, problem);
  if (problem) {
    input.value = "";
    return null;
  }
  const maxPixels = limitOf(input, "maxImagePx") || DEFAULT_MAX_IMAGE_PX;
  const prepared = await Promise.all(files.map((file) => downscale(file, maxPixels)));
  const maxBytes = maxBytesOf(input);
  const tooLarge = prepared.find((file) => maxBytes && file.size > maxBytes);
  if (tooLarge) {
    showFieldError(input, text("file-size", { name: tooLarge.name, mb: megabytes(maxBytes) }));
    input.value = "";
    return null;
  }
  if (prepared.some((file, index) => file !== files[index])) putFiles(input, prepared);
  return prepared;
}
