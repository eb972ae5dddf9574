// The ITHC verifier page: reads a code from the camera (package scan
// compiled to WebAssembly, scan.wasm), a photo or PDF, or pasted text,
// sends it to POST /v1/verify and shows the verdict. Nothing is stored:
// the result lives in the page until cleared; only the language and the
// destination country are remembered (localStorage).
"use strict";

(function () {
  const T = {
    en: {
      title: "Health certificate verifier", skip: "Skip to the result", destination: "Destination country",
      countryHelp: "Two letters, e.g. FR; empty: no entry rules", inputs: "Read a certificate", camera: "Camera",
      cameraStart: "Start camera", cameraStop: "Stop camera", upload: "Photo or PDF", paste: "Paste the code text",
      verify: "Verify", waiting: "Waiting for a certificate", warnings: "Warnings",
      holder: "Holder (compare with the passport)",
      untrusted: "The code was rejected: what follows is its content as read, which must not be trusted.", events: "Events", rules: "Entry rules", rule: "Rule",
      outcome: "Outcome", ruleReason: "Reason", revocation: "Revocation", encryption: "Encrypted code",
      signer: "Issuer and signature", technical: "Technical detail", clear: "Clear",
      privacy: "Nothing about the traveller is stored: the result stays on this screen until cleared.",
      verified: "VERIFIED", rejected: "REJECTED", verifiedWarn: "VERIFIED — CHECK THE WARNINGS", cannotRead: "NOT READ",
      checking: "Checking…", name: "Name", nameLatin: "Name (passport spelling)", dob: "Date of birth", sex: "Sex",
      document: "Travel document", certId: "Certificate", issuedBy: "Issued by", validity: "Valid",
      country: "Country", kid: "Key", algorithm: "Algorithm", subject: "Signer", usage: "May sign",
      batch: "Batch", kindLabel: "Matched by", date: "Date", reasonLabel: "Reason", recipients: "For", noEvents: "No events.",
      stale: (what, age, limit) => `Out-of-date data: the ${what} was last updated ${age} ago (limit ${limit}). The gateway may be unreachable; results may miss recent changes.`,
      fresh: (v, age) => `Trust list version ${v}, updated ${age} ago.`,
      noTrust: "This verifier has no trust list yet: it cannot accept any certificate.",
      statusFail: "The verifier service does not answer.",
      camNoSupport: "This browser cannot use the camera here (it needs HTTPS or localhost).",
      camLoading: "Loading the decoder…", camOn: "Point the camera at the QR code.", camDenied: "The camera could not be started: ",
      camRead: "Code read.", networkError: "The verifier service could not be reached: ",
      data: { trustlist: "trust list", rules: "entry rules", revocation: "revocation list", encryption: "decryption keys", valuesets: "value sets" },
      types: { vaccination: "Vaccination", nucleic_acid_test: "Nucleic-acid (PCR) test", antibody_test: "Antibody test", antigen_test: "Rapid antigen test", recovery: "Recovery" },
      results: { negative: "negative", positive: "positive", not_detected: "not detected", detected: "detected" },
      ruleResults: { passed: "passed", failed: "FAILED", not_applicable: "not applicable", error: "ERROR" },
      f: { date: "Date", sample_time: "Sample taken", result: "Result", product: "Product", vaccine_type: "Vaccine", manufacturer: "Manufacturer",
        dose: "Dose", method: "Method", isotype: "Antibody", quantity: "Value", centre: "Centre", country: "Country", first_positive: "First positive",
        valid_from: "Valid from", valid_until: "Valid until", device: "Device" }
    },
    zh: {
      title: "健康证书核验", skip: "跳到核验结果", destination: "目的地国家",
      countryHelp: "两位字母，如 FR；留空则不检查入境规则", inputs: "读取证书", camera: "摄像头",
      cameraStart: "打开摄像头", cameraStop: "关闭摄像头", upload: "照片或 PDF", paste: "粘贴二维码内容",
      verify: "核验", waiting: "等待证书", warnings: "警告",
      holder: "持有人（请与护照核对）",
      untrusted: "此二维码未通过核验：以下为读取到的内容，不可信任。", events: "记录", rules: "入境规则", rule: "规则",
      outcome: "结果", ruleReason: "原因", revocation: "撤销信息", encryption: "加密二维码",
      signer: "签发机构与签名", technical: "技术细节", clear: "清除",
      privacy: "不保存任何旅客信息：结果仅显示在本屏幕上，直至清除。",
      verified: "有效", rejected: "无效", verifiedWarn: "有效——请注意警告", cannotRead: "未能读取",
      checking: "正在核验…", name: "姓名", nameLatin: "姓名（护照拼写）", dob: "出生日期", sex: "性别",
      document: "旅行证件", certId: "证书编号", issuedBy: "签发方", validity: "有效期",
      country: "国家", kid: "密钥", algorithm: "算法", subject: "签名证书", usage: "可签发",
      batch: "批次", kindLabel: "匹配方式", date: "日期", reasonLabel: "原因", recipients: "接收国", noEvents: "无记录。",
      stale: (what, age, limit) => `数据已过期：${what}上次更新于 ${age} 前（上限 ${limit}）。可能无法连接网关，结果可能未反映最新变化。`,
      fresh: (v, age) => `信任列表版本 ${v}，${age} 前更新。`,
      noTrust: "本核验方尚无信任列表：无法接受任何证书。",
      statusFail: "核验服务无响应。",
      camNoSupport: "此浏览器在此无法使用摄像头（需要 HTTPS 或 localhost）。",
      camLoading: "正在加载解码器…", camOn: "请将摄像头对准二维码。", camDenied: "无法打开摄像头：",
      camRead: "已读取二维码。", networkError: "无法连接核验服务：",
      data: { trustlist: "信任列表", rules: "入境规则", revocation: "撤销列表", encryption: "解密密钥", valuesets: "值集" },
      types: { vaccination: "疫苗接种", nucleic_acid_test: "核酸检测", antibody_test: "抗体检测", antigen_test: "抗原快速检测", recovery: "康复" },
      results: { negative: "阴性", positive: "阳性", not_detected: "未检出", detected: "检出" },
      ruleResults: { passed: "通过", failed: "未通过", not_applicable: "不适用", error: "错误" },
      f: { date: "日期", sample_time: "采样时间", result: "结果", product: "产品", vaccine_type: "疫苗", manufacturer: "生产商",
        dose: "剂次", method: "方法", isotype: "抗体类型", quantity: "数值", centre: "机构", country: "国家", first_positive: "首次阳性",
        valid_from: "有效起始", valid_until: "有效截止", device: "试剂" }
    }
  };

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem("ithc-lang") === "zh" ? "zh" : "en";
  let last = null; // the last answer, re-rendered on a language switch
  let status = null;

  function t(key) { return T[lang][key]; }

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
    document.title = t("title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      const v = t(el.dataset.i18n);
      if (typeof v === "string") el.textContent = v;
    }
    const b = $("lang");
    b.textContent = lang === "zh" ? "English" : "中文";
    b.lang = lang === "zh" ? "en" : "zh";
    b.setAttribute("aria-label", lang === "zh" ? "Switch to English" : "切换到中文");
    renderStatus();
    if (last) render(last);
  }

  function age(seconds) {
    const m = Math.round(seconds / 60), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (lang === "zh") return (d ? d + " 天 " : "") + (d || h ? h + " 小时 " : "") + mm + " 分钟";
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + mm + "m";
  }

  function renderStatus() {
    const el = $("data-status");
    el.className = "data-status";
    if (!status) { return; }
    if (status.error) { el.classList.add("stale"); el.textContent = t("statusFail"); return; }
    if (!status.trust_list.present) { el.classList.add("stale"); el.textContent = t("noTrust"); return; }
    if (status.stale) {
      el.classList.add("stale");
      const what = status.stale.data.map((d) => t("data")[d] || d).join(lang === "zh" ? "、" : ", ");
      el.textContent = t("stale")(what, age(status.stale.oldest_seconds), age(status.stale.limit_seconds));
      return;
    }
    el.classList.add("ok");
    el.textContent = t("fresh")(status.trust_list.version, age(status.trust_list.age_seconds || 0));
  }

  async function refreshStatus() {
    try {
      const r = await fetch("/v1/status", { cache: "no-store" });
      status = r.ok ? await r.json() : { error: true };
    } catch (e) {
      status = { error: true };
    }
    renderStatus();
  }

  function clearNode(n) { while (n.firstChild) n.removeChild(n.firstChild); }

  function pair(dl, label, value, cls) {
    if (value === undefined || value === null || value === "") return;
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value;
    if (cls) dd.className = cls;
    dl.append(dt, dd);
  }

  function date(s) { return s ? String(s).replace("T", " ").replace(/:00Z$|Z$/, " UTC") : ""; }

  function setVerdict(kind, title, reason) {
    const v = $("verdict");
    v.className = "verdict " + kind;
    $("verdict-title").textContent = title;
    $("reason").textContent = reason || "";
  }

  // render shows a verification answer: a Result, or a refusal
  // {error, message, message_zh}.
  function render(a) {
    last = a;
    const v = $("verdict");
    if (a.kind === "refusal") {
      v.dataset.status = a.body.error || "error";
      setVerdict("rejected", t("cannotRead"), (lang === "zh" && a.body.message_zh) || a.body.message || "");
      $("details").hidden = true;
      return;
    }
    const r = a.body;
    v.dataset.status = r.status;
    const warnings = r.warnings || [];
    const reason = (r.reason && r.reason[lang]) || "";
    if (r.status === "verified" && (warnings.length || r.stale)) {
      setVerdict("warning", t("verifiedWarn"), reason);
    } else if (r.status === "verified") {
      setVerdict("verified", t("verified"), reason);
    } else {
      setVerdict("rejected", t("rejected"), reason);
    }
    $("details").hidden = false;
    $("untrusted").hidden = r.status === "verified";
    $("signer-title").hidden = !r.signer;
    const wl = $("warning-list"); clearNode(wl);
    const allWarnings = warnings.slice();
    $("warnings").hidden = allWarnings.length === 0;
    for (const w of allWarnings) { const li = document.createElement("li"); li.textContent = w; wl.append(li); }

    const c = r.certificate || null;
    const h = $("holder"); clearNode(h);
    if (c && c.holder) {
      const n = c.holder.name || {};
      const cjk = /[\u3000-\u9fff\uac00-\ud7af]/.test((n.family || "") + (n.given || ""));
      const native = [n.family, n.given].filter(Boolean).join(cjk ? "" : " ");
      const latin = [n.family_icao, n.given_icao].filter(Boolean).join(", ");
      pair(h, t("name"), native, "big");
      if (latin && latin !== native) pair(h, t("nameLatin"), latin, "big");
      pair(h, t("dob"), c.holder.date_of_birth, "big");
      const d = c.holder.document;
      if (d) pair(h, t("document"), [d.type, d.number, d.issuing_state ? "(" + d.issuing_state + ")" : ""].filter(Boolean).join(" "), "big");
      pair(h, t("sex"), c.holder.sex);
      pair(h, t("certId"), c.id);
      pair(h, t("issuedBy"), [c.issuer && c.issuer.name, c.issuer && c.issuer.country].filter(Boolean).join(", "));
      pair(h, t("validity"), [date(c.issued_at), date(c.expires_at)].filter(Boolean).join(" – "));
    }
    const ev = $("events"); clearNode(ev);
    const events = (c && c.events) || [];
    if (!events.length) { const li = document.createElement("li"); li.textContent = t("noEvents"); ev.append(li); }
    for (const e of events) {
      const li = document.createElement("li");
      const k = document.createElement("span"); k.className = "kind"; k.textContent = t("types")[e.type] || e.type;
      li.append(k);
      const dl = document.createElement("dl"); dl.className = "holder";
      const f = t("f");
      pair(dl, f.date, e.date);
      pair(dl, f.sample_time, date(e.sample_time));
      pair(dl, f.result, e.result && (t("results")[e.result] || e.result));
      pair(dl, f.isotype, e.isotype);
      if (e.quantity) pair(dl, f.quantity, e.quantity.value + " " + (e.quantity.unit || "") + (e.quantity.cut_off !== undefined ? " (cut-off " + e.quantity.cut_off + ")" : ""));
      pair(dl, f.vaccine_type, e.vaccine_type);
      pair(dl, f.product, e.product);
      pair(dl, f.manufacturer, e.manufacturer);
      if (e.dose_number) pair(dl, f.dose, e.dose_number + " / " + (e.total_doses || "?"));
      pair(dl, f.method, e.method);
      pair(dl, f.device, e.device);
      pair(dl, f.first_positive, e.first_positive);
      pair(dl, f.valid_from, e.valid_from);
      pair(dl, f.valid_until, e.valid_until);
      pair(dl, f.centre, e.centre);
      pair(dl, f.country, e.country);
      li.append(dl);
      ev.append(li);
    }
    const rules = r.rules || [];
    $("rules-block").hidden = rules.length === 0;
    const tb = $("rules").tBodies[0]; clearNode(tb);
    for (const o of rules) {
      const tr = document.createElement("tr");
      const id = document.createElement("td"); id.textContent = o.identifier + " " + (o.version || "") + " (" + o.country + ")";
      const res = document.createElement("td"); res.textContent = t("ruleResults")[o.result] || o.result; res.className = o.result;
      const why = document.createElement("td");
      const desc = o.description || {};
      why.textContent = [desc[lang] || desc.en || Object.values(desc)[0] || "", o.detail || ""].filter(Boolean).join(" — ");
      tr.append(id, res, why);
      tb.append(tr);
    }
    const rv = $("revocation"); clearNode(rv);
    $("revocation-block").hidden = !r.revocation;
    if (r.revocation) {
      pair(rv, t("batch"), r.revocation.batch);
      pair(rv, t("kindLabel"), r.revocation.kind);
      pair(rv, t("date"), date(r.revocation.date));
      pair(rv, t("reasonLabel"), r.revocation.reason);
    }
    const en = $("encryption"); clearNode(en);
    $("encryption-block").hidden = !r.encryption;
    if (r.encryption) {
      pair(en, t("recipients"), (r.encryption.recipients || []).join(", "));
      pair(en, t("kid"), r.encryption.kid);
    }
    const s = $("signer"); clearNode(s);
    if (r.signer) {
      pair(s, t("country"), r.signer.country || r.signer.issuer);
      pair(s, t("subject"), r.signer.subject);
      pair(s, t("kid"), r.signer.kid);
      pair(s, t("algorithm"), r.signer.algorithm);
      pair(s, t("usage"), r.signer.usage);
    }
    $("technical").textContent = [r.format, r.payload_kind, r.status, "stage " + r.stage, r.detail].filter(Boolean).join(" · ");
  }

  async function send(body, contentType) {
    setVerdict("busy", t("checking"), "");
    delete $("verdict").dataset.status;
    $("details").hidden = true;
    const q = new URLSearchParams();
    const c = $("country").value.trim().toUpperCase();
    if (c) q.set("country", c);
    let a;
    try {
      const r = await fetch("/v1/verify" + (q.toString() ? "?" + q : ""), {
        method: "POST", body, headers: { "Content-Type": contentType }, cache: "no-store"
      });
      const j = await r.json();
      a = r.ok ? { kind: "result", body: j } : { kind: "refusal", body: j };
    } catch (e) {
      a = { kind: "refusal", body: { error: "network", message: T.en.networkError + e.message, message_zh: T.zh.networkError + e.message } };
    }
    render(a);
    $("result").focus();
    refreshStatus();
  }

  // --- camera ---
  let stream = null, timer = null, decoderReady = null;

  function loadDecoder() {
    if (decoderReady) return decoderReady;
    decoderReady = new Promise((resolve, reject) => {
      window.addEventListener("ithc-decoder-ready", () => resolve(), { once: true });
      const go = new Go();
      WebAssembly.instantiateStreaming(fetch("/static/scan.wasm"), go.importObject)
        .then((res) => { go.run(res.instance); })
        .catch((e) => { decoderReady = null; reject(e); });
    });
    return decoderReady;
  }

  async function startCamera() {
    const st = $("camera-state");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { st.textContent = t("camNoSupport"); return; }
    st.textContent = t("camLoading");
    try {
      await loadDecoder();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false });
    } catch (e) {
      st.textContent = t("camDenied") + e.message;
      return;
    }
    const video = $("video");
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    $("camera-start").hidden = true;
    $("camera-stop").hidden = false;
    $("camera-stop").focus();
    st.textContent = t("camOn");
    timer = setInterval(scanFrame, 300);
  }

  function stopCamera() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) for (const tr of stream.getTracks()) tr.stop();
    stream = null;
    const video = $("video");
    video.srcObject = null;
    video.hidden = true;
    $("camera-start").hidden = false;
    $("camera-stop").hidden = true;
  }

  function scanFrame() {
    const video = $("video");
    if (!video.videoWidth) return;
    const scale = Math.min(1, 1280 / video.videoWidth);
    const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    const canvas = $("frame");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    const img = ctx.getImageData(0, 0, w, h);
    const out = window.ithcDecode(img.data, w, h);
    if (out && out.text) {
      $("camera-state").textContent = t("camRead");
      stopCamera();
      $("camera-start").focus();
      send(out.text, "text/plain; charset=utf-8");
    }
  }

  function clearResult() {
    last = null;
    const v = $("verdict");
    delete v.dataset.status;
    setVerdict("idle", t("waiting"), "");
    $("details").hidden = true;
    for (const id of ["holder", "events", "signer", "revocation", "encryption", "warning-list", "technical"]) clearNode($(id));
    clearNode($("rules").tBodies[0]);
    $("text").value = "";
    $("file").value = "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("country").value = localStorage.getItem("ithc-country") || "";
    $("country").addEventListener("change", () => localStorage.setItem("ithc-country", $("country").value.trim().toUpperCase()));
    $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("ithc-lang", lang); applyLanguage(); });
    $("file").addEventListener("change", () => {
      const f = $("file").files[0];
      if (f) send(f, f.type || "application/octet-stream");
    });
    $("verify-text").addEventListener("click", () => {
      const text = $("text").value.trim();
      if (text) { $("text").value = ""; send(text, "text/plain; charset=utf-8"); }
    });
    $("text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("verify-text").click(); }
    });
    $("camera-start").addEventListener("click", startCamera);
    $("camera-stop").addEventListener("click", () => { stopCamera(); $("camera-start").focus(); });
    $("clear").addEventListener("click", () => { clearResult(); $("file").focus(); });
    applyLanguage();
    refreshStatus();
    setInterval(refreshStatus, 60000);
  });
})();
