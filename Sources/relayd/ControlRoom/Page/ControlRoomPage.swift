/// The control-room page: one HTML document, its script and its style sheet, served from the
/// binary so relayd needs no build step or asset directory. The page is static; everything live
/// comes from `/api/events`.
enum ControlRoomPage {
    static let html = #"""
        <!doctype html>
        <html lang="ja">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>relayd 映像中継 指令卓 / Control room</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/static/control-room.css">
        <script src="/static/control-room.js" defer></script>
        </head>
        <body>
        <header>
          <h1 data-i18n="title">映像中継 指令卓</h1>
          <span id="connection" class="connection down">接続中…</span>
          <span id="open-mode" class="open-mode" hidden data-i18n="openMode">認証なし（この端末のみ）</span>
          <span class="spacer"></span>
          <span id="who"></span>
          <button id="lang-toggle" type="button">English</button>
          <button id="logout" type="button" hidden data-i18n="logout">ログアウト</button>
        </header>

        <div id="login" class="overlay" hidden>
          <form id="login-form">
            <h2 data-i18n="login">ログイン</h2>
            <label><span data-i18n="name">名前</span><input id="login-name" name="name" autocomplete="username" required></label>
            <label><span data-i18n="password">パスワード</span><input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
            <button id="login-submit" type="submit" data-i18n="loginButton">ログイン</button>
            <p id="login-error" class="error" role="alert"></p>
          </form>
        </div>

        <main>
          <section id="multiview" aria-labelledby="multiview-title">
            <h2 id="multiview-title" data-i18n="multiview">マルチビュー</h2>
            <div id="tiles" class="tiles"></div>
          </section>

          <section id="program-panel" aria-labelledby="program-title">
            <h2 id="program-title" data-i18n="programPanel">プレビュー / 送出</h2>
            <div class="monitors">
              <figure class="monitor preview">
                <figcaption><span data-i18n="preview">プレビュー</span>: <b id="preview-source">—</b></figcaption>
                <img id="preview-img" alt="">
              </figure>
              <figure class="monitor program">
                <figcaption><span data-i18n="program">送出中 (PGM)</span>: <b id="on-air-source">—</b></figcaption>
                <img id="program-img" alt="">
              </figure>
            </div>
            <div class="take-row">
              <button id="take-button" type="button" class="take" data-i18n="take" disabled>テイク (カット)</button>
              <span id="cut-result" role="status"></span>
            </div>
            <dl class="facts">
              <dt data-i18n="mode">モード</dt><dd id="program-mode">—</dd>
              <dt data-i18n="failover">フェイルオーバー</dt><dd id="failover-state">—</dd>
              <dt data-i18n="lastCut">最終カット</dt><dd id="last-cut">—</dd>
            </dl>
          </section>

          <section id="captions" aria-labelledby="captions-title">
            <h2 id="captions-title" data-i18n="captions">テロップ</h2>
            <p class="on-air-caption"><span data-i18n="captionOnAir">送出中のテロップ</span>: <b id="caption-on-air">—</b></p>
            <textarea id="caption-text" rows="2" maxlength="200"></textarea>
            <div class="caption-row">
              <label><span data-i18n="position">位置</span>
                <select id="caption-position"><option value="bottom" data-i18n="bottom">下</option><option value="top" data-i18n="top">上</option></select></label>
              <label><span data-i18n="style">スタイル</span>
                <select id="caption-style"><option value="label" data-i18n="styleLabel">ラベル</option><option value="banner" data-i18n="styleBanner">速報帯</option><option value="note" data-i18n="styleNote">注記</option></select></label>
              <button id="caption-on" type="button" class="on-air" data-i18n="captionOn">送出 / 更新</button>
              <button id="caption-clear" type="button" data-i18n="captionClear">消去</button>
            </div>
            <h3 data-i18n="presets">プリセット</h3>
            <div id="presets" class="presets"></div>
            <h3 data-i18n="history">履歴</h3>
            <ol id="caption-history" class="history"></ol>
            <p id="caption-result" class="result" role="status"></p>
          </section>

          <section id="delivery" aria-labelledby="delivery-title">
            <h2 id="delivery-title" data-i18n="delivery">配信先</h2>
            <div id="sinks" class="sinks"></div>
            <p id="delivery-result" class="result" role="status"></p>
          </section>
        </main>
        </body>
        </html>
        """#
}
