import { createHash } from 'node:crypto';
import { escapeXml, jsonForScript, xmlSafe } from './escape.js';
import { countOverTime, timeline } from './timeline.js';
import { leaderStart, placeLabels, scaler, type Box } from './labels.js';
import { themeColor } from './palette.js';
import { defaultRadius, FONT_FAMILY } from './svg.js';
import type { MapData } from './types.js';

export interface HtmlOptions {
  /** A `<div>` fragment for notebooks instead of a full document (default false). */
  fragment?: boolean;
}

const VIEW_W = 1000;
const VIEW_H = 700;

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * The page's data, column by column (a 100k-paper map stays a few tens of MB): ids, titles, view
 * coordinates, themes, related papers as row numbers, their shared phrases, urls; then themes with
 * their placed labels and leader lines, and the sub-theme names shown when zoomed in.
 */
function pageData(map: MapData) {
  const frame: Box = { x: 10, y: 10, w: VIEW_W - 20, h: VIEW_H - 20 };
  const inner: Box = { x: frame.x + 0.07 * frame.w, y: frame.y + 0.06 * frame.h, w: 0.86 * frame.w, h: 0.88 * frame.h };
  const toPx = scaler(map.points.length ? map.points : [{ x: 0, y: 0 }], inner);
  const px = map.points.map((p) => {
    const [x, y] = toPx(p.x, p.y);
    return { x, y, theme: p.theme };
  });
  const radius = Math.max(1.2, defaultRadius(map.points.length) + 0.5);
  const placed = placeLabels(
    map.labels.map((l) => {
      const [x, y] = toPx(l.x, l.y);
      return { text: xmlSafe(l.text), x, y, size: l.size, theme: l.theme };
    }),
    px,
    frame,
    { pointRadius: radius },
  );
  const rowOf = new Map(map.points.map((p, i) => [p.id, i]));
  const urls: Record<number, string> = {};
  map.points.forEach((p, i) => {
    if (p.url && /^https?:\/\//iu.test(p.url)) urls[i] = p.url;
  });
  return {
    title: xmlSafe(map.title),
    radius,
    ids: map.points.map((p) => p.id),
    titles: map.points.map((p) => xmlSafe(p.title)),
    x: px.map((p) => round(p.x)),
    y: px.map((p) => round(p.y)),
    theme: map.points.map((p) => p.theme),
    related: map.points.map((p) => p.related.map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined)),
    why: map.points.some((p) => p.why) ? map.points.map((p) => (p.why ?? []).map((ws) => ws.map(xmlSafe))) : undefined,
    // Rows each paper cites; the page finds who cites whom from it.
    cites: map.points.some((p) => p.cites?.length)
      ? map.points.map((p) => (p.cites ?? []).map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined))
      : undefined,
    urls,
    themes: map.labels.map((l, i) => {
      const pl = placed[i]!;
      const from = leaderStart(pl);
      return {
        id: l.theme,
        label: xmlSafe(l.text),
        size: l.size,
        color: themeColor(l.theme),
        lines: pl.lines,
        font: pl.fontSize,
        lh: round(pl.lineHeight),
        cx: round(pl.x),
        cy: round(pl.y),
        w: round(pl.box.w),
        h: round(pl.box.h),
        leader: pl.leader ? [round(from.x), round(from.y), round(pl.anchor.x), round(pl.anchor.y)] : null,
      };
    }),
    sub: map.sublabels.map((s) => {
      const [x, y] = toPx(s.x, s.y);
      return { theme: s.theme, text: xmlSafe(s.text), x: round(x), y: round(y), size: s.size };
    }),
  };
}

/**
 * One self-contained, offline HTML map. Points are drawn on a canvas (with alpha, so 100k points read
 * as density and stay interactive); theme labels, leader lines and sub-theme names (when zoomed in)
 * sit on an SVG layer above it. Pan (drag), zoom (wheel), hover for title and theme, a search box
 * that highlights matching papers, click for related papers and why, theme toggles. Paper text
 * only ever reaches the page through `textContent`, never as markup. The element gets a small
 * script API, `element.paperAtlas` (`select`, `hits`, `visibleCount`, `positionOf`, `labelBoxes`,
 * `linksDrawn`). Where papers cite each other, a selected paper's citations are drawn as lines
 * (solid: it cites; dashed: cited by) and listed.
 */
export function renderHTML(map: MapData, opts: HtmlOptions = {}): string {
  const json = jsonForScript(pageData(map));
  const overTime = timelineSection(map);
  // Derived from the content, so the same map renders to the same bytes and two maps on one notebook page do not clash.
  const uid = `pa-${createHash('sha256').update(json).digest('hex').slice(0, 10)}`;
  const body = `<div class="paper-atlas" id="${uid}">
<style>
#${uid}{font-family:${FONT_FAMILY};color:#222;display:flex;gap:12px;max-width:1400px}
#${uid} .pa-main{flex:1;min-width:0}
#${uid} .pa-bar{display:flex;gap:8px;align-items:center;margin:6px 0}
#${uid} .pa-bar input{flex:1;padding:6px 8px;font-size:14px;border:1px solid #bbb;border-radius:4px}
#${uid} .pa-stage{position:relative;width:100%;aspect-ratio:${VIEW_W}/${VIEW_H};border:1px solid #ddd;border-radius:4px;background:#fff;cursor:grab;touch-action:none;overflow:hidden}
#${uid} .pa-stage canvas,#${uid} .pa-stage svg{position:absolute;left:0;top:0;width:100%;height:100%}
#${uid} .pa-stage svg{pointer-events:none}
#${uid} .pa-side{width:300px;font-size:13px;max-height:760px;overflow:auto}
#${uid} .pa-side label{display:flex;gap:6px;align-items:flex-start;margin:2px 0;cursor:pointer}
#${uid} .pa-sw{display:inline-block;flex:none;width:10px;height:10px;border-radius:50%;margin-top:3px}
#${uid} .pa-tip{position:fixed;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #aaa;border-radius:4px;padding:4px 6px;font-size:12px;max-width:320px;display:none;z-index:10}
#${uid} .pa-detail li{margin:3px 0;cursor:pointer;color:#1a5fb4}
#${uid} .pa-detail .pa-why{color:#555;cursor:default}
#${uid} .pa-label rect{fill:#fff;fill-opacity:.85;stroke-width:1}
#${uid} .pa-label text{font-weight:600;fill:#222;text-anchor:middle}
#${uid} .pa-sub{font-size:11px;font-style:italic;fill:#333;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}
</style>
<div class="pa-main">
<h2 class="pa-title"></h2>
<div class="pa-bar"><input type="search" class="pa-search" placeholder="Search titles (e.g. optimal transport)" aria-label="Search papers"><span class="pa-count"></span><button type="button" class="pa-reset">Reset view</button></div>
<div class="pa-stage"><canvas></canvas><svg viewBox="0 0 ${VIEW_W} ${VIEW_H}" xmlns="http://www.w3.org/2000/svg"><g class="pa-leaders"></g><g class="pa-subs"></g><g class="pa-labels"></g></svg></div>
${overTime}</div>
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

/**
 * Themes over time below the map, when the papers span at least two years: the same streamgraph
 * as `atlas.themesOverTime().toSVG()`, drawn here (its text escaped like every other label).
 */
function timelineSection(map: MapData): string {
  const dated = map.points.filter((p) => p.year !== undefined);
  if (new Set(dated.map((p) => p.year)).size < 2) return '';
  const t = countOverTime(
    map.points,
    map.labels.map((l) => ({ id: l.theme, label: l.text })),
  );
  return `<details class="pa-time" open><summary>Themes over time</summary>${timeline(t)
    .toSVG({ width: VIEW_W, height: 360 })
    .replace(/^<svg /u, '<svg style="width:100%;height:auto" ')}</details>\n`;
}

/** Above this many points the page blends points into pixels itself instead of drawing a path each. */
const SPLAT_ABOVE = 20_000;
/** Search matches get a ring while there are at most this many. */
const RINGS_MAX = 5_000;

// Plain browser JS (no build step, no dependencies) so the file works offline and in notebooks.
const SCRIPT = `(function(){
var W=${VIEW_W},H=${VIEW_H},NS='http://www.w3.org/2000/svg',SPLAT=${SPLAT_ABOVE},RINGS=${RINGS_MAX};
var root=document.getElementById('__ROOT__');
var d=JSON.parse(root.querySelector('.pa-data').textContent);
var n=d.ids.length,X=Float64Array.from(d.x),Y=Float64Array.from(d.y),stage=root.querySelector('.pa-stage'),canvas=stage.querySelector('canvas'),ctx=canvas.getContext('2d');
var gLead=root.querySelector('.pa-leaders'),gSub=root.querySelector('.pa-subs'),gLab=root.querySelector('.pa-labels');
var tip=root.querySelector('.pa-tip'),detail=root.querySelector('.pa-detail'),count=root.querySelector('.pa-count'),search=root.querySelector('.pa-search');
root.querySelector('.pa-title').textContent=d.title;d.x=d.y=null;
var colorOf={},labelOf={},hits=null,nhits=0,selected=-1,tx=0,ty=0,k=1,rowMap=null,lower=null,citers=null,links=0;
// Who cites each paper: the citing rows, inverted from d.cites on first use.
function citedBy(i){if(!d.cites)return [];if(!citers){citers=[];for(var a=0;a<n;a++)d.cites[a].forEach(function(b){(citers[b]=citers[b]||[]).push(a);});}return citers[i]||[];}
d.themes.forEach(function(t){colorOf[t.id]=t.color;labelOf[t.id]=t.label;});
function rowOf(id){if(!rowMap){rowMap=new Map();for(var i=0;i<n;i++)rowMap.set(d.ids[i],i);}return rowMap.get(id);}
// Themes as small slots: per-point slot, colour channels and the hidden flag per slot.
var slotOf={},rgb=[],slot=new Uint16Array(n);
function slotFor(id){if(slotOf[id]===undefined){var v=parseInt((colorOf[id]||'#888888').slice(1),16);slotOf[id]=rgb.length/3;rgb.push(v>>16&255,v>>8&255,v&255);}return slotOf[id];}
d.themes.forEach(function(t){slotFor(t.id);});
for(var i=0;i<n;i++)slot[i]=slotFor(d.theme[i]);
var off=new Uint8Array(rgb.length/3);
function hidden(id){return off[slotOf[id]]===1;}
// A grid over view coordinates for hover and click hit-tests: rows sorted by cell (start offsets per cell).
var CELL=8,GW=Math.ceil(W/CELL)+1,GH=Math.ceil(H/CELL)+1,cellStart=new Int32Array(GW*GH+1),cellRows=new Int32Array(n);
function cellOf(x,y){var c=Math.floor(x/CELL),r=Math.floor(y/CELL);return (r<0?0:r>=GH?GH-1:r)*GW+(c<0?0:c>=GW?GW-1:c);}
(function(){var cells=new Int32Array(n),i;for(i=0;i<n;i++){cells[i]=cellOf(X[i],Y[i]);cellStart[cells[i]+1]++;}
for(i=0;i<GW*GH;i++)cellStart[i+1]+=cellStart[i];var at=cellStart.slice(0,GW*GH);for(i=0;i<n;i++)cellRows[at[cells[i]]++]=i;})();
function el(name,attrs){var e=document.createElementNS(NS,name);for(var a in attrs)e.setAttribute(a,attrs[a]);return e;}
var labels=d.themes.map(function(t){
  var g=el('g',{'class':'pa-label','data-theme':t.id});
  g.appendChild(el('rect',{x:-t.w/2,y:-t.h/2,width:t.w,height:t.h,rx:3,stroke:t.color}));
  var tx0=el('text',{'font-size':t.font});
  t.lines.forEach(function(line,j){var s=el('tspan',{x:0,y:-(t.lines.length-1)*t.lh/2+j*t.lh+t.font*0.35});s.textContent=line;tx0.appendChild(s);});
  g.appendChild(tx0);gLab.appendChild(g);
  var line=t.leader?el('line',{stroke:'#555','stroke-width':0.8}):null;if(line)gLead.appendChild(line);
  return {t:t,g:g,line:line};
});
var subs=d.sub.map(function(s){var e=el('text',{'class':'pa-sub','data-theme':s.theme});e.textContent=s.text;gSub.appendChild(e);return {s:s,e:e};});
function sx(x){return tx+k*x;}function sy(y){return ty+k*y;}
function visible(i){return !off[slot[i]];}
function resize(){var b=stage.getBoundingClientRect(),r=window.devicePixelRatio||1;canvas.width=Math.max(1,Math.round(b.width*r));canvas.height=Math.max(1,Math.round(b.height*r));draw();}
function draw(){
  var s=canvas.width/W;ctx.setTransform(1,0,0,1,0,0);ctx.clearRect(0,0,canvas.width,canvas.height);
  var rad=d.radius*Math.min(3,Math.sqrt(k)),alpha=n>2000?0.6:0.85;
  if(n>SPLAT)splat(s,rad,alpha);
  ctx.setTransform(s,0,0,s,0,0);
  if(n<=SPLAT){ctx.globalAlpha=alpha;
  for(var i=0;i<n;i++){
    if(!visible(i))continue;var x=sx(X[i]),y=sy(Y[i]);if(x<-5||y<-5||x>W+5||y>H+5)continue;
    ctx.fillStyle=colorOf[d.theme[i]]||'#888';
    if(hits&&!hits[i]){ctx.globalAlpha=0.1;}
    ctx.beginPath();ctx.arc(x,y,rad,0,6.2832);ctx.fill();
    if(hits&&!hits[i]){ctx.globalAlpha=alpha;}
  }}
  ctx.globalAlpha=1;ctx.lineWidth=1.5;ctx.strokeStyle='#000';
  // Rings around matches while they are few enough to read; beyond that the dimming shows them.
  if(hits&&nhits<=RINGS){for(var j=0;j<n;j++){if(hits[j]&&visible(j)){ctx.beginPath();ctx.arc(sx(X[j]),sy(Y[j]),rad+1.5,0,6.2832);ctx.stroke();}}}
  links=0;if(selected>=0){if(d.cites){
    // The selected paper's citations, drawn only on selection: to what it cites solid, from what cites it dashed.
    ctx.lineWidth=1;ctx.strokeStyle='rgba(0,0,0,0.55)';
    var ln=function(j,dash){if(!visible(j))return;ctx.setLineDash(dash);ctx.beginPath();ctx.moveTo(sx(X[selected]),sy(Y[selected]));ctx.lineTo(sx(X[j]),sy(Y[j]));ctx.stroke();links++;};
    d.cites[selected].forEach(function(j){ln(j,[]);});citedBy(selected).forEach(function(j){ln(j,[4,3]);});
    ctx.setLineDash([]);ctx.strokeStyle='#000';}
    ctx.lineWidth=3;ctx.beginPath();ctx.arc(sx(X[selected]),sy(Y[selected]),rad+3,0,6.2832);ctx.stroke();}
  labels.forEach(function(L){var t=L.t,gone=hidden(t.id);L.g.style.display=gone?'none':'';
    L.g.setAttribute('transform','translate('+sx(t.cx)+','+sy(t.cy)+')');
    if(L.line){L.line.style.display=gone?'none':'';L.line.setAttribute('x1',sx(t.leader[0]));L.line.setAttribute('y1',sy(t.leader[1]));L.line.setAttribute('x2',sx(t.leader[2]));L.line.setAttribute('y2',sy(t.leader[3]));}});
  // Sub-theme names once zoomed in, largest first, skipping any that would collide.
  var taken=[];
  subs.forEach(function(S){var s=S.s,show=k>=1.8&&!hidden(s.theme);S.e.style.display='none';if(!show)return;
    S.e.setAttribute('x',sx(s.x));S.e.setAttribute('y',sy(s.y));S.e.style.display='';
    var b=S.e.getBBox(),clash=taken.some(function(o){return b.x<o.x+o.width&&o.x<b.x+b.width&&b.y<o.y+o.height&&o.y<b.y+b.height;});
    if(clash)S.e.style.display='none';else taken.push(b);});
}
// Large maps: each point is a small square blended straight into the canvas's pixels (one
// putImageData per frame instead of a path per point).
var img=null;
function splat(s,rad,alpha){
  var cw=canvas.width,ch=canvas.height;if(!img||img.width!==cw||img.height!==ch)img=ctx.createImageData(cw,ch);
  var px=img.data,side=Math.max(1,Math.round(rad*s)),half=side/2,dim=hits?0.1:alpha,ks=k*s,ox=tx*s-half+0.5,oy=ty*s-half+0.5;px.fill(255);
  for(var i=0;i<n;i++){
    var x=Math.floor(ox+ks*X[i]),y=Math.floor(oy+ks*Y[i]);
    if(x<=-side||y<=-side||x>=cw||y>=ch)continue;var t=slot[i];if(off[t])continue;
    var a=hits&&hits[i]?alpha:dim,r=rgb[3*t]*a,g=rgb[3*t+1]*a,b=rgb[3*t+2]*a,keep=1-a;
    var x0=x<0?0:x,x1=x+side>cw?cw:x+side,y1=y+side>ch?ch:y+side;
    for(var yy=y<0?0:y;yy<y1;yy++){for(var p=(yy*cw+x0)*4,e=(yy*cw+x1)*4;p<e;p+=4){px[p]=r+px[p]*keep;px[p+1]=g+px[p+1]*keep;px[p+2]=b+px[p+2]*keep;}}
  }
  ctx.putImageData(img,0,0);
}
var pending=false;function later(){if(pending)return;pending=true;requestAnimationFrame(function(){pending=false;draw();});}
function toView(e){var b=stage.getBoundingClientRect();return [(e.clientX-b.left)*W/b.width,(e.clientY-b.top)*H/b.height];}
function pointAt(vx,vy){
  var x=(vx-tx)/k,y=(vy-ty)/k,reach=(d.radius*Math.min(3,Math.sqrt(k))+3)/k,best=-1,bd=reach*reach;
  var c0=Math.max(0,Math.floor((x-reach)/CELL)),c1=Math.min(GW-1,Math.floor((x+reach)/CELL)),r0=Math.max(0,Math.floor((y-reach)/CELL)),r1=Math.min(GH-1,Math.floor((y+reach)/CELL));
  for(var cx=c0;cx<=c1;cx++)for(var cy=r0;cy<=r1;cy++){var c=cy*GW+cx;for(var q=cellStart[c];q<cellStart[c+1];q++){var i=cellRows[q];if(!visible(i))continue;var dd=(X[i]-x)*(X[i]-x)+(Y[i]-y)*(Y[i]-y);if(dd<=bd){bd=dd;best=i;}}}
  return best;
}
d.themes.forEach(function(t){
  var lab=document.createElement('label');var cb=document.createElement('input');cb.type='checkbox';cb.checked=true;cb.setAttribute('data-theme',t.id);
  cb.addEventListener('change',function(){off[slotOf[t.id]]=cb.checked?0:1;refresh();});
  var sw=document.createElement('span');sw.className='pa-sw';sw.style.background=t.color;
  var name=document.createElement('span');name.textContent=t.label+' ('+t.size+')';
  lab.appendChild(cb);lab.appendChild(sw);lab.appendChild(name);root.querySelector('.pa-themes').appendChild(lab);
});
function refresh(){
  var q=search.value.toLowerCase().split(/\\s+/).filter(Boolean),m=0;
  hits=null;nhits=0;
  if(q.length){if(!lower)lower=d.titles.map(function(t){return t.toLowerCase();});hits=new Uint8Array(n);
    for(var i=0;i<n;i++){var t=lower[i],all=true;for(var w=0;w<q.length;w++)if(t.indexOf(q[w])<0){all=false;break;}if(all){hits[i]=1;nhits++;if(visible(i))m++;}}}
  count.textContent=q.length?m+' matching':'';draw();
}
search.addEventListener('input',refresh);
function select(i){
  selected=i;draw();detail.textContent='';if(i<0)return;
  var h=document.createElement('p');var b=document.createElement('b');b.textContent=d.titles[i];h.appendChild(b);detail.appendChild(h);
  var th=document.createElement('p');th.textContent='Theme: '+(labelOf[d.theme[i]]||'');detail.appendChild(th);
  var url=d.urls[i];if(url){var a=document.createElement('a');a.href=url;a.textContent='Open paper';a.target='_blank';a.rel='noopener';detail.appendChild(a);}
  var st=document.createElement('p');st.textContent=d.related[i].length?'Related papers:':'No related papers listed in this map.';detail.appendChild(st);
  var ol=document.createElement('ol');ol.className='pa-related';
  d.related[i].forEach(function(r,ri){var li=document.createElement('li');li.textContent=d.titles[r];li.setAttribute('data-id',d.ids[r]);
    var why=d.why&&d.why[i][ri];if(why&&why.length){var sm=document.createElement('small');sm.className='pa-why';sm.textContent='shared: '+why.join(', ');li.appendChild(document.createElement('br'));li.appendChild(sm);}
    li.addEventListener('click',function(){select(r);});ol.appendChild(li);});
  detail.appendChild(ol);
  if(d.cites){[['Cites',d.cites[i],'pa-cites'],['Cited by',citedBy(i),'pa-cited-by']].forEach(function(part){
    if(!part[1].length)return;var p=document.createElement('p');p.textContent=part[0]+' ('+part[1].length+' in this map):';detail.appendChild(p);
    var ul=document.createElement('ul');ul.className=part[2];
    part[1].forEach(function(r){var li=document.createElement('li');li.textContent=d.titles[r];li.setAttribute('data-id',d.ids[r]);li.addEventListener('click',function(){select(r);});ul.appendChild(li);});
    detail.appendChild(ul);});}
}
stage.addEventListener('mousemove',function(e){if(drag)return;var v=toView(e),i=pointAt(v[0],v[1]);
  if(i<0){tip.style.display='none';return;}
  tip.textContent='';var b=document.createElement('b');b.textContent=d.titles[i];tip.appendChild(b);tip.appendChild(document.createElement('br'));
  tip.appendChild(document.createTextNode(labelOf[d.theme[i]]||''));tip.style.display='block';tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';});
stage.addEventListener('mouseleave',function(){tip.style.display='none';});
stage.addEventListener('wheel',function(e){e.preventDefault();var p=toView(e),f=Math.exp(-e.deltaY*0.0015),nk=Math.min(60,Math.max(0.5,k*f));
  tx=p[0]-(p[0]-tx)*nk/k;ty=p[1]-(p[1]-ty)*nk/k;k=nk;later();},{passive:false});
var drag=null,moved=false;
stage.addEventListener('pointerdown',function(e){drag=toView(e).concat([tx,ty]);moved=false;});
window.addEventListener('pointermove',function(e){if(!drag)return;var p=toView(e);if(Math.abs(p[0]-drag[0])+Math.abs(p[1]-drag[1])>3)moved=true;if(moved){tx=drag[2]+p[0]-drag[0];ty=drag[3]+p[1]-drag[1];later();}});
window.addEventListener('pointerup',function(e){if(drag&&!moved){var v=toView(e),i=pointAt(v[0],v[1]);if(i>=0)select(i);}drag=null;});
root.querySelector('.pa-reset').addEventListener('click',function(){tx=0;ty=0;k=1;draw();});
if(window.ResizeObserver)new ResizeObserver(resize).observe(stage);else window.addEventListener('resize',resize);
resize();refresh();
root.paperAtlas={
  select:function(id){var i=rowOf(id);select(i===undefined?-1:i);},
  hits:function(){var out=[];if(hits)for(var i=0;i<n;i++)if(hits[i]&&visible(i))out.push(d.ids[i]);return out;},
  visibleCount:function(){var m=0;for(var i=0;i<n;i++)if(visible(i))m++;return m;},
  positionOf:function(id){var i=rowOf(id),b=stage.getBoundingClientRect();if(i===undefined)return null;return {x:b.left+sx(X[i])*b.width/W,y:b.top+sy(Y[i])*b.height/H};},
  zoom:function(nk,cx,cy){cx=cx===undefined?W/2:cx;cy=cy===undefined?H/2:cy;tx=cx-(cx-tx)*nk/k;ty=cy-(cy-ty)*nk/k;k=nk;draw();},
  linksDrawn:function(){return links;},
  draw:draw
};
})();`;
