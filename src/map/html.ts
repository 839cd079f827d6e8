import { createHash } from 'node:crypto';
import { escapeXml, jsonForScript, xmlSafe } from './escape.js';
import { placeLabels, scaler } from './labels.js';
import { themeColor } from './palette.js';
import type { MapData } from './types.js';

export interface HtmlOptions {
  /** A `<div>` fragment for notebooks instead of a full document (default false). */
  fragment?: boolean;
}

const VIEW_W = 1000;
const VIEW_H = 700;

/**
 * One self-contained, offline HTML map: pan (drag) and zoom (wheel), hover for title and theme,
 * a search box that highlights matching papers, click for related papers, theme toggles.
 * Paper text only ever reaches the page through `textContent`, never as markup.
 */
export function renderHTML(map: MapData, opts: HtmlOptions = {}): string {
  const toPx = scaler(map.points.length ? map.points : [{ x: 0, y: 0 }], { x: 30, y: 30, w: VIEW_W - 60, h: VIEW_H - 60 });
  const anchors = map.labels.map((l) => {
    const [x, y] = toPx(l.x, l.y);
    return { text: l.text, x, y, size: l.size };
  });
  const placed = placeLabels(anchors, 14, { x: 0, y: 0, w: VIEW_W, h: VIEW_H });
  const round = (n: number): number => Math.round(n * 10) / 10;
  const data = {
    title: xmlSafe(map.title),
    points: map.points.map((p) => {
      const [x, y] = toPx(p.x, p.y);
      return { id: p.id, t: xmlSafe(p.title), x: round(x), y: round(y), th: p.theme, r: p.related, ...(p.url ? { u: p.url } : {}) };
    }),
    themes: map.labels.map((l, i) => ({ id: l.theme, label: xmlSafe(l.text), size: l.size, color: themeColor(l.theme), lx: round(placed[i]!.x), ly: round(placed[i]!.y) })),
  };
  const json = jsonForScript(data);
  // Derived from the content, so the same map renders to the same bytes and two maps on one notebook page do not clash.
  const uid = `pa-${createHash('sha256').update(json).digest('hex').slice(0, 10)}`;
  const body = `<div class="paper-atlas" id="${uid}">
<style>
#${uid}{font-family:Helvetica,Arial,sans-serif;color:#222;display:flex;gap:12px;max-width:1400px}
#${uid} .pa-main{flex:1;min-width:0}
#${uid} .pa-bar{display:flex;gap:8px;align-items:center;margin:6px 0}
#${uid} .pa-bar input{flex:1;padding:6px 8px;font-size:14px;border:1px solid #bbb;border-radius:4px}
#${uid} svg{width:100%;height:auto;border:1px solid #ddd;border-radius:4px;background:#fff;cursor:grab;touch-action:none}
#${uid} circle.pa-pt{stroke:#fff;stroke-width:.6}
#${uid} circle.pa-hit{stroke:#000;stroke-width:2}
#${uid} circle.pa-dim{opacity:.12}
#${uid} circle.pa-sel{stroke:#000;stroke-width:3}
#${uid} .pa-side{width:300px;font-size:13px;max-height:760px;overflow:auto}
#${uid} .pa-side label{display:flex;gap:6px;align-items:center;margin:2px 0;cursor:pointer}
#${uid} .pa-sw{display:inline-block;width:10px;height:10px;border-radius:50%}
#${uid} .pa-tip{position:fixed;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #aaa;border-radius:4px;padding:4px 6px;font-size:12px;max-width:320px;display:none;z-index:10}
#${uid} .pa-detail li{margin:3px 0;cursor:pointer;color:#1a5fb4}
#${uid} text.pa-label{font-size:14px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:4px;pointer-events:none}
</style>
<div class="pa-main">
<h2 class="pa-title"></h2>
<div class="pa-bar"><input type="search" class="pa-search" placeholder="Search titles (e.g. optimal transport)" aria-label="Search papers"><span class="pa-count"></span><button type="button" class="pa-reset">Reset view</button></div>
<svg viewBox="0 0 ${VIEW_W} ${VIEW_H}" xmlns="http://www.w3.org/2000/svg"><g class="pa-view"><g class="pa-points"></g><g class="pa-labels"></g></g></svg>
</div>
<div class="pa-side"><h3>Themes</h3><div class="pa-themes"></div><h3>Paper</h3><div class="pa-detail"><p>Click a point to see its related papers.</p></div></div>
<div class="pa-tip"></div>
<script type="application/json" class="pa-data">${json}</script>
<script>${SCRIPT.replace('__ROOT__', uid)}</script>
</div>`;
  if (opts.fragment) return body;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(map.title)}</title></head>
<body style="margin:16px">
${body}
</body></html>
`;
}

// Plain browser JS (no build step, no dependencies) so the file works offline and in notebooks.
const SCRIPT = `(function(){
var root=document.getElementById('__ROOT__');
var data=JSON.parse(root.querySelector('.pa-data').textContent);
var NS='http://www.w3.org/2000/svg';
var svg=root.querySelector('svg'),view=root.querySelector('.pa-view'),gp=root.querySelector('.pa-points'),gl=root.querySelector('.pa-labels');
var tip=root.querySelector('.pa-tip'),detail=root.querySelector('.pa-detail'),count=root.querySelector('.pa-count');
root.querySelector('.pa-title').textContent=data.title;
var themeById={},byId={},circles=[],hidden={};
data.themes.forEach(function(t){themeById[t.id]=t;});
var r=data.points.length>2000?2:4.5;
data.points.forEach(function(p,i){
  var c=document.createElementNS(NS,'circle');
  c.setAttribute('cx',p.x);c.setAttribute('cy',p.y);c.setAttribute('r',r);
  c.setAttribute('fill',(themeById[p.th]||{color:'#888'}).color);
  c.setAttribute('class','pa-pt');c.setAttribute('data-id',p.id);
  c.addEventListener('mouseenter',function(e){tip.textContent='';var b=document.createElement('b');b.textContent=p.t;tip.appendChild(b);
    tip.appendChild(document.createElement('br'));tip.appendChild(document.createTextNode((themeById[p.th]||{label:''}).label));
    tip.style.display='block';tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';});
  c.addEventListener('mouseleave',function(){tip.style.display='none';});
  c.addEventListener('click',function(e){e.stopPropagation();select(p.id);});
  gp.appendChild(c);circles.push(c);byId[p.id]={p:p,c:c};
});
data.themes.forEach(function(t){
  var tx=document.createElementNS(NS,'text');tx.setAttribute('x',t.lx);tx.setAttribute('y',t.ly+5);
  tx.setAttribute('text-anchor','middle');tx.setAttribute('class','pa-label');tx.setAttribute('data-theme',t.id);tx.textContent=t.label;gl.appendChild(tx);
  var lab=document.createElement('label');var cb=document.createElement('input');cb.type='checkbox';cb.checked=true;cb.setAttribute('data-theme',t.id);
  cb.addEventListener('change',function(){hidden[t.id]=!cb.checked;refresh();});
  var sw=document.createElement('span');sw.className='pa-sw';sw.style.background=t.color;
  lab.appendChild(cb);lab.appendChild(sw);lab.appendChild(document.createTextNode(t.label+' ('+t.size+')'));
  root.querySelector('.pa-themes').appendChild(lab);
});
var search=root.querySelector('.pa-search');
function refresh(){
  var q=search.value.toLowerCase().split(/\\s+/).filter(Boolean),n=0;
  data.points.forEach(function(p,i){
    var c=circles[i];var off=hidden[p.th];c.style.display=off?'none':'';
    var hit=q.length>0&&q.every(function(w){return p.t.toLowerCase().indexOf(w)>=0;});
    c.classList.toggle('pa-hit',hit&&!off);c.classList.toggle('pa-dim',q.length>0&&!hit);if(hit&&!off)n++;
  });
  gl.querySelectorAll('text').forEach(function(t){t.style.display=hidden[t.getAttribute('data-theme')]?'none':'';});
  count.textContent=q.length?n+' matching':'';
}
search.addEventListener('input',refresh);
function select(id){
  circles.forEach(function(c){c.classList.remove('pa-sel');});
  var e=byId[id];if(!e)return;e.c.classList.add('pa-sel');
  detail.textContent='';
  var h=document.createElement('p');var b=document.createElement('b');b.textContent=e.p.t;h.appendChild(b);detail.appendChild(h);
  var th=document.createElement('p');th.textContent='Theme: '+(themeById[e.p.th]||{label:''}).label;detail.appendChild(th);
  if(e.p.u&&/^https?:/i.test(e.p.u)){var a=document.createElement('a');a.href=e.p.u;a.textContent='Open paper';a.target='_blank';a.rel='noopener';detail.appendChild(a);}
  var st=document.createElement('p');st.textContent='Related papers:';detail.appendChild(st);
  var ul=document.createElement('ol');ul.className='pa-related';
  e.p.r.forEach(function(rid){var o=byId[rid];if(!o)return;var li=document.createElement('li');li.textContent=o.p.t;li.setAttribute('data-id',rid);
    li.addEventListener('click',function(){select(rid);});ul.appendChild(li);});
  detail.appendChild(ul);
}
var tx=0,ty=0,k=1;
function apply(){view.setAttribute('transform','translate('+tx+','+ty+') scale('+k+')');}
function pt(e){var b=svg.getBoundingClientRect();return [(e.clientX-b.left)*${VIEW_W}/b.width,(e.clientY-b.top)*${VIEW_H}/b.height];}
svg.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e),f=Math.exp(-e.deltaY*0.0015),nk=Math.min(40,Math.max(0.5,k*f));
  tx=p[0]-(p[0]-tx)*nk/k;ty=p[1]-(p[1]-ty)*nk/k;k=nk;apply();},{passive:false});
var drag=null;
svg.addEventListener('pointerdown',function(e){if(e.target.tagName==='circle')return;drag=pt(e).concat([tx,ty]);});
window.addEventListener('pointermove',function(e){if(!drag)return;var p=pt(e);tx=drag[2]+p[0]-drag[0];ty=drag[3]+p[1]-drag[1];apply();});
window.addEventListener('pointerup',function(){drag=null;});
root.querySelector('.pa-reset').addEventListener('click',function(){tx=0;ty=0;k=1;apply();});
refresh();
})();`;
