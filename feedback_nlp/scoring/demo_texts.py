"""Feedback texts for the demo data, written by the team for this package (no corpus text).

Each pool is a list of (text, tags). Positive pools contain the traps the tagger must not fall
for: praise in complaint words (虾太大了), negated problems (没有色差), questions (请问会偏大吗).
The tags follow ``labeling-guide.md``; they are the gold tags the generator writes with
``with_tags=True``.
"""

from __future__ import annotations

POOLS: dict[str, list[tuple[str, str]]] = {
    # negative reviews, packaged food and fresh produce
    "neg_food": [
        ("太咸了，根本吃不下去", "taste"),
        ("挺好吃的，就是太甜了", "taste"),
        ("味道很奇怪，有股哈喇味", "taste"),
        ("收到的橙子烂了好几个", "freshness"),
        ("生产日期是半年前的，快过期了", "freshness"),
        ("虾不新鲜，解冻后一股腥臭味", "freshness;hygiene"),
        ("吃出了一根头发，恶心", "hygiene"),
        ("说好的两斤，称了一下才一斤六两", "quantity"),
        ("少发了一袋，联系客服也不回", "quantity;service"),
        ("快递走了一个星期，水果都软了", "logistics;freshness"),
        ("盒子压扁了，饼干碎成渣", "damage"),
        ("汤洒了一袋子，包装太随便了", "damage"),
        ("这个价格买这么点，不值", "price"),
        ("真\u201c快\u201d啊，五天才到", "logistics"),
        ("太差了，再也不会买了", "other"),
    ],
    # negative reviews, apparel / beauty / electronics / home
    "neg_goods": [
        ("衣服很好看但是洗一次就起球了", "quality"),
        ("用了三天就坏了，开不了机", "quality"),
        ("尺码偏大，按尺码表买的还是大了一圈", "size"),
        ("裤子太短了，完全不合身", "size"),
        ("颜色和图片差太多，实物发灰", "color"),
        ("洗了一次就掉色，染了一盆水", "color;quality"),
        ("和详情页写的材质不一样，感觉是假货", "mismatch"),
        ("宣传说防水，结果一碰水就花屏", "mismatch;quality"),
        ("涂上脸就过敏起红疹了", "hygiene"),
        ("一打开一股刺鼻的化学味", "hygiene"),
        ("发错颜色了，还少了一个配件", "quantity"),
        ("屏幕到手就裂了，包装就一层袋子", "damage"),
        ("物流太慢了，催了三次才发货", "logistics"),
        ("客服态度很差，问什么都不理", "service"),
        ("申请退货一直拖着不处理", "after_sales"),
        ("刚买就降价了五十，心塞", "price"),
        ("失望透顶，差评", "other"),
        ("品质不错，就是有点小贵", "price"),
        ("快递弄丢了，商家给补发了", "logistics"),
        ("天天打电话让我改好评，烦死了", "service"),
    ],
    # positive or neutral reviews, food — with traps
    "pos_food": [
        ("虾太大了，个头比想象中大多了", ""),
        ("不是一般的好吃，家里人抢着吃", ""),
        ("好吃到停不下来，已经回购三次", ""),
        ("甜到心里，橙子汁水很多", ""),
        ("辣得过瘾，下饭神器", ""),
        ("便宜得不敢相信，分量还足", ""),
        ("很新鲜，一个坏的都没有", ""),
        ("包装完好无损，冰袋还没化", ""),
        ("物流不慢，第二天就到了", ""),
        ("一般般吧，还行", ""),
        ("味道不错，会再来", ""),
        ("给爸妈买的，他们说好吃", ""),
    ],
    # positive or neutral reviews, goods — with traps
    "pos_goods": [
        ("没有色差，和图片一模一样", ""),
        ("尺码一点都不小，按平时的码买正好", ""),
        ("做工很好，线头都没有", ""),
        ("质量比想象的好，这个价格很值", ""),
        ("物流很快，包装也很用心", ""),
        ("客服很耐心，帮我选了合适的尺码", ""),
        ("衣服不错，颜色偏黑，正好是我要的黑色", ""),
        ("还可以，对得起这个价", ""),
        ("已经是第二次买了，一如既往的好", ""),
        ("送人的，朋友很喜欢", ""),
        ("希望多送点赠品，哈哈", ""),
        ("电池很耐用，充一次能用两天", ""),
    ],
    # after-sales reasons: problems
    "as_problem": [
        ("收到就是坏的，申请退货", "quality"),
        ("尺码不合适，偏小两码", "size"),
        ("实物与描述不符", "mismatch"),
        ("包裹破损，东西摔碎了", "damage"),
        ("少件，只收到一件", "quantity"),
        ("水果烂了一半，要求退款", "freshness"),
        ("快递超时一直没送到，不要了", "logistics"),
        ("商家拒绝退款，理由不成立", "after_sales"),
    ],
    # after-sales reasons: wishes, no problem named
    "as_neutral": [
        ("七天无理由退货", ""),
        ("拍错了，想换个颜色", ""),
        ("我买大了想换小一码", ""),
        ("不想要了", ""),
        ("家里已经有一个了，退掉", ""),
    ],
    # complaints
    "complaint": [
        ("商家发的是假货，要求假一赔十", "mismatch"),
        ("客服辱骂消费者，请平台处理", "service"),
        ("申请退款十天了商家一直不同意", "after_sales"),
        ("付款一周了还没发货", "logistics"),
        ("收到的奶粉过期了", "freshness"),
        ("产品用了过敏，商家不管", "hygiene;after_sales"),
    ],
    # chat turns: questions and requests (no tag)
    "im_question": [
        ("请问会偏大吗", ""),
        ("请问这个偏大吗？我平时穿M", ""),
        ("明天能发货吗？", ""),
        ("有没有优惠券呀", ""),
        ("我想换个颜色可以吗", ""),
        ("这个适合敏感肌吗", ""),
        ("保质期到什么时候", ""),
        ("好的谢谢", ""),
        ("可以开发票吗", ""),
    ],
    # chat turns: complaints
    "im_complaint": [
        ("都三天了还不发货？", "logistics"),
        ("你们的东西怎么一用就坏", "quality"),
        ("客服半天不回消息", "service"),
        ("衣服色差太大了，跟图片完全两个颜色", "color"),
        ("少给了一包，怎么处理", "quantity"),
        ("退款怎么还没到账，拖了一周了", "after_sales"),
    ],
}


# The product title a text is about, where the text depends on it (a colour, a size, a grade): the
# generator writes it to feedback.context, as a platform would from the order's SKU.
CONTEXTS: dict[str, str] = {
    "虾太大了，个头比想象中大多了": "冰鲜大虾 2斤装 特大号",
    "衣服不错，颜色偏黑，正好是我要的黑色": "纯棉圆领T恤 黑色 L",
    "颜色和图片差太多，实物发灰": "雪纺连衣裙 米白色 M",
    "尺码偏大，按尺码表买的还是大了一圈": "休闲卫衣 XL",
    "裤子太短了，完全不合身": "直筒牛仔裤 32码",
    "收到的橙子烂了好几个": "赣南脐橙 5斤装",
}
