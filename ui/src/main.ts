import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, rememberedTheme } from "./shell/theme";
import "./app.css";

// Before the first paint, so a dark-themed Wharf does not flash light; App then applies the
// theme from the settings file.
applyTheme(rememberedTheme());

mount(App, { target: document.getElementById("app")! });
