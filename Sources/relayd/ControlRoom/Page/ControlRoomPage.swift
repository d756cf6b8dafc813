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
          <nav class="fieldops" aria-labelledby="fieldops-title">
            <a id="fieldops-title" href="/fieldops" data-i18n="fieldOps">現地運用</a>
            <ul id="fieldops-alerts" class="alerts"></ul>
          </nav>
          <span class="spacer"></span>
          <span class="clock"><span data-i18n="timeZone">表示時刻</span> <b id="clock">—</b> <span id="time-zone"></span></span>
          <span id="who"></span>
          <button id="help-button" type="button" data-i18n="help" aria-keyshortcuts="?">キー操作 (?)</button>
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

        <div id="confirm" class="overlay" hidden>
          <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text">
            <h2 id="confirm-title"></h2>
            <p id="confirm-text"></p>
            <div class="dialog-buttons">
              <button id="confirm-cancel" type="button" data-i18n="cancel">キャンセル</button>
              <button id="confirm-ok" type="button" class="danger"></button>
            </div>
          </div>
        </div>

        <div id="help" class="overlay" hidden>
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
            <h2 id="help-title" data-i18n="keys">キー操作</h2>
            <dl class="keys">
              <dt><kbd>1</kbd>–<kbd>9</kbd></dt><dd data-i18n="keyDigits">プレビューのソースを選ぶ</dd>
              <dt><kbd>Enter</kbd> / <kbd>Space</kbd></dt><dd data-i18n="keyTake">テイク</dd>
              <dt><kbd>Esc</kbd></dt><dd data-i18n="keyEscape">プレビューを外す</dd>
              <dt><kbd>Ctrl</kbd>+<kbd>Enter</kbd></dt><dd data-i18n="keyCaption">入力したテロップを送出</dd>
              <dt><kbd>Tab</kbd></dt><dd data-i18n="keyTab">タイルとボタンを順に移動</dd>
              <dt><kbd>?</kbd></dt><dd data-i18n="keyHelp">この一覧を開く・閉じる</dd>
            </dl>
            <button id="help-close" type="button" data-i18n="close">閉じる</button>
          </div>
        </div>

        <main>
          <section id="multiview" aria-labelledby="multiview-title">
            <h2 id="multiview-title" data-i18n="multiview">マルチビュー</h2>
            <div id="tiles" class="tiles"></div>
            <p id="hops-note" class="hops-note" data-i18n="hopsNote" hidden>遅延は各サイトの時計が NTP で同期している前提の値です</p>
          </section>

          <section id="program-panel" aria-labelledby="program-title">
            <h2 id="program-title" data-i18n="programPanel">プレビュー / 送出</h2>
            <div class="monitors">
              <figure id="preview-monitor" class="monitor preview">
                <figcaption><span data-i18n="preview">プレビュー</span>: <b id="preview-source">—</b> <span id="preview-state" class="monitor-state"></span></figcaption>
                <div class="screen"><img id="preview-img" alt=""></div>
              </figure>
              <figure class="monitor program">
                <figcaption><span data-i18n="program">送出中 (PGM)</span>: <b id="on-air-source">—</b></figcaption>
                <div class="screen"><img id="program-img" alt=""></div>
              </figure>
            </div>
            <div class="take-row">
              <button id="take-button" type="button" class="take" data-i18n="take" aria-keyshortcuts="Enter" disabled>テイク (カット)</button>
              <span id="take-hint" class="hint"></span>
              <span id="cut-result" class="result" role="status"></span>
            </div>
            <dl class="facts">
              <dt data-i18n="mode">モード</dt><dd id="program-mode">—</dd>
              <dt data-i18n="failover">フェイルオーバー</dt><dd id="failover-state">—</dd>
              <dt data-i18n="lastCut">最終カット</dt><dd id="last-cut">—</dd>
              <dt data-i18n="behind">変換の遅れ</dt><dd id="program-behind">—</dd>
            </dl>
          </section>

          <section id="captions" aria-labelledby="captions-title">
            <h2 id="captions-title" data-i18n="captions">テロップ</h2>
            <div class="caption-compose">
            <p class="on-air-caption"><span data-i18n="captionOnAir">送出中のテロップ</span>: <b id="caption-on-air">—</b></p>
            <textarea id="caption-text" rows="2" maxlength="200" aria-keyshortcuts="Control+Enter"></textarea>
            <div class="caption-row">
              <label><span data-i18n="position">位置</span>
                <select id="caption-position"><option value="bottom" data-i18n="bottom">下</option><option value="top" data-i18n="top">上</option></select></label>
              <label><span data-i18n="style">スタイル</span>
                <select id="caption-style"><option value="label" data-i18n="styleLabel">ラベル</option><option value="banner" data-i18n="styleBanner">速報帯</option><option value="note" data-i18n="styleNote">注記</option></select></label>
              <button id="caption-on" type="button" class="on-air" data-i18n="captionOn">送出 / 更新</button>
              <button id="caption-clear" type="button" data-i18n="captionClear">消去</button>
            </div>
            <p id="caption-result" class="result" role="status"></p>
            </div>
            <div class="caption-library">
            <h3 data-i18n="presets">プリセット</h3>
            <div id="presets" class="presets"></div>
            <h3 data-i18n="history">履歴</h3>
            <ol id="caption-history" class="history"></ol>
            </div>
          </section>

          <section id="delivery" aria-labelledby="delivery-title">
            <h2 id="delivery-title" data-i18n="delivery">配信先</h2>
            <div id="sinks" class="sinks"></div>
            <p id="delivery-result" class="result" role="status"></p>
            <div id="sources-admin" hidden>
              <h3 data-i18n="sourcesAdmin">ソース管理（管理者）</h3>
              <ul id="source-admin-list" class="source-admin"></ul>
            </div>
          </section>

          <section id="recordings" aria-labelledby="recordings-title">
            <h2 id="recordings-title" data-i18n="recordings">録画</h2>
            <div class="recordings-head">
              <label><span data-i18n="timelineWindow">表示範囲</span>
                <select id="recordings-window">
                  <option value="3600" data-i18n="window1h">1 時間</option><option value="21600" data-i18n="window6h">6 時間</option>
                  <option value="86400" data-i18n="window24h">24 時間</option><option value="604800" data-i18n="window7d">7 日</option>
                  <option value="all" selected data-i18n="windowAll">すべて</option>
                </select></label>
              <span id="recordings-span" class="hint"></span>
            </div>
            <p id="recordings-empty" class="hint" data-i18n="noRecordings">録画はまだありません</p>
            <ul id="recordings-list" class="recordings-list"></ul>
            <p id="recordings-result" class="result" role="status"></p>
            <h3 data-i18n="exports">書き出し</h3>
            <p id="exports-empty" class="hint" data-i18n="noExports">書き出しはまだありません</p>
            <ol id="exports-list" class="exports-list"></ol>
          </section>
        </main>
        </body>
        </html>
        """#
}
